namespace Alert.Hub.Tests.Resident;

/// <summary>Native notices of 熊本市 for the resident tests: a level 4 order for one district, shelters, and the cancel of either.</summary>
public static class ResidentNotices
{
    public const string Xml = "application/vnd.alert-hub.notice+xml";

    /// <summary>出水一丁目's representative point (inside the order's district) and 熊本市役所 (the same ward, outside it).</summary>
    public static readonly (double Lat, double Lng) Inside = (32.788933, 130.732314), Outside = (32.8031, 130.7079);

    public static string Unique(string what) => $"{what}-{Guid.NewGuid():N}"[..24];

    private static string Envelope(string document, int revision, string kind, string body, string? reason = null) => $"""
        <?xml version="1.0" encoding="UTF-8"?>
        <notice xmlns="urn:alert-hub:notice:1" version="1.0">
          <envelope>
            <documentId>{document}</documentId><revision>{revision}</revision><issuer code="431001">熊本市</issuer>
            <mode>Actual</mode><kind>{kind}</kind>{(reason is null ? "" : $"<reason>{reason}</reason>")}
            <sent>{DateTimeOffset.Now:yyyy-MM-ddTHH:mm:sszzz}</sent>
            <areas><area code="431010">熊本市中央区</area></areas>
          </envelope>
          {body}
        </notice>
        """;

    public static string Order(string document) => Envelope(document, 1, "Issue", """
        <evacuation><district><name>出水一丁目</name><level>4</level><disasterType>flood</disasterType><households>412</households><persons>880</persons></district></evacuation>
        """);

    /// <summary>出水小学校 open (2.2 km from 熊本市役所), 熊本市役所 itself closed, 白川中学校 full.</summary>
    public static string Shelters(string document) => Envelope(document, 1, "Issue", """
        <shelters>
          <shelter><name>出水小学校</name><address>熊本市中央区出水2丁目7-1</address><location lat="32.7862305" lng="130.7354818"/>
            <status>open</status><capacity>500</capacity><present>132</present><hazards>flood earthquake</hazards></shelter>
          <shelter><name>熊本市役所</name><location lat="32.8031" lng="130.7079"/><status>closed</status><hazards>earthquake</hazards></shelter>
          <shelter><name>白川中学校</name><location lat="32.7940" lng="130.7460"/><status>full</status><capacity>300</capacity><present>300</present><hazards>flood</hazards></shelter>
        </shelters>
        """);

    /// <summary>
    /// A water point 400 m from <see cref="Inside"/> (open), a bath being set up near it, and charging at 熊本市役所 that has
    /// ended, all in 中央区; and one water point with no coordinates, on no map.
    /// </summary>
    public static string Support(string document) => Envelope(document, 1, "Issue", """
        <general><title>給水・入浴・充電のご案内</title><text>断水地域の皆さまへ。</text>
          <place><name>熊本市役所 充電コーナー</name><kind>charging</kind><location lat="32.8031" lng="130.7079"/><state>closed</state></place>
          <place><name>出水小学校 給水所</name><kind>water-point</kind><address>熊本市中央区出水2丁目7-1</address>
            <location lat="32.7862305" lng="130.7354818"/><hours>8:00〜20:00</hours></place>
          <place><name>出水 入浴支援</name><kind>bath</kind><location lat="32.7880" lng="130.7300"/><state>preparing</state></place>
          <place><name>どこかの給水車</name><kind>water-point</kind></place>
        </general>
        """);

    public static string Cancel(string document) => Envelope(document, 2, "Cancel", "", "誤って発表したため取り消します。");
}
