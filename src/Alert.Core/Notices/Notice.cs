namespace Alert.Core.Notices;

public enum NoticeMode { Actual, Exercise, Test }

public enum NoticeKind { Issue, Update, Correction, Cancel }

public enum NoticeCategory { Evacuation, Shelters, DisasterHq, Damage, Lifeline, General }

/// <summary>
/// The hub's own notice: an envelope that names the document, its revision and issuer, and one typed body per
/// category (none for a Cancel). Every format the hub accepts is read into this; CAP is written from it.
/// </summary>
public sealed record Notice(Envelope Envelope, NoticeBody? Body)
{
    [System.Text.Json.Serialization.JsonIgnore]
    public NoticeCategory? Category => Body switch
    {
        EvacuationBody => NoticeCategory.Evacuation,
        SheltersBody => NoticeCategory.Shelters,
        DisasterHqBody => NoticeCategory.DisasterHq,
        DamageBody => NoticeCategory.Damage,
        LifelineBody => NoticeCategory.Lifeline,
        GeneralBody => NoticeCategory.General,
        _ => null,
    };
}

public sealed record Envelope(
    string DocumentId,
    int Revision,
    string IssuerCode,
    string IssuerName,
    NoticeMode Mode,
    NoticeKind Kind,
    string? Reason,
    DateTimeOffset Sent,
    DateTimeOffset? ValidFrom,
    DateTimeOffset? ValidUntil,
    IReadOnlyList<AreaRef> Areas);

/// <summary>An area by its local government code, with the name the issuer gave it (may be empty).</summary>
public sealed record AreaRef(string Code, string Name);

/// <summary>
/// WGS 84 degrees exactly as given: decimals keep every digit. <see cref="Precision"/> is set when the hub placed
/// the site from its address (at its town's point, or its municipality's); null means the issuer's own coordinates.
/// </summary>
public sealed record Location(decimal Lat, decimal Lng, LocationPrecision? Precision = null);

/// <summary>How closely an address placed a site: at its 町丁目・大字's representative point, or only in its municipality.</summary>
public enum LocationPrecision { Town, Municipality }

[System.Text.Json.Serialization.JsonPolymorphic(TypeDiscriminatorPropertyName = "category")]
[System.Text.Json.Serialization.JsonDerivedType(typeof(EvacuationBody), "evacuation")]
[System.Text.Json.Serialization.JsonDerivedType(typeof(SheltersBody), "shelters")]
[System.Text.Json.Serialization.JsonDerivedType(typeof(DisasterHqBody), "disaster-hq")]
[System.Text.Json.Serialization.JsonDerivedType(typeof(DamageBody), "damage")]
[System.Text.Json.Serialization.JsonDerivedType(typeof(LifelineBody), "lifeline")]
[System.Text.Json.Serialization.JsonDerivedType(typeof(GeneralBody), "general")]
public abstract record NoticeBody;

public sealed record EvacuationBody(IReadOnlyList<District> Districts) : NoticeBody;

/// <summary>Level is the text as given until the rules have checked it; <see cref="Evacuation.ParseLevel"/> reads it.</summary>
public sealed record District(
    string? Name,
    string? AreaCode,
    string? Polygon,
    string Level,
    DisasterType DisasterType,
    int? Households,
    int? Persons,
    DateTimeOffset? Issued,
    DateTimeOffset? Lifted);

public enum ShelterStatus { Open, Full, Closed }

public sealed record SheltersBody(IReadOnlyList<Shelter> Shelters) : NoticeBody;

public sealed record Shelter(
    string? Id,
    string Name,
    string? Address,
    Location? Location,
    ShelterStatus Status,
    int? Capacity,
    int? Present,
    IReadOnlyList<DisasterType> Hazards,
    DateTimeOffset? Opened,
    DateTimeOffset? Closed);

public enum HqState { Established, Dissolved }

public sealed record DisasterHqBody(string Name, HqState State, DateTimeOffset At) : NoticeBody;

public sealed record DamageBody(IReadOnlyList<DamageReport> Reports) : NoticeBody;

public sealed record DamageReport(
    AreaRef Area,
    int? Dead,
    int? Missing,
    int? SeriouslyInjured,
    int? SlightlyInjured,
    int? Destroyed,
    int? HalfDestroyed,
    int? PartlyDamaged,
    int? FloodedAboveFloor,
    int? FloodedBelowFloor,
    DateTimeOffset At,
    IReadOnlyList<DamageSite>? Sites = null);

/// <summary>
/// One place of damage seen on the ground, as a field report the desk verified tells it: what, where, what was seen,
/// and the published photo. Counts above are the desk's figures; sites never add to them.
/// </summary>
public sealed record DamageSite(DamageSiteKind Kind, Location Location, string? Note, string? Photo);

public enum DamageSiteKind { RoadBlocked, BuildingDamage, Landslide, Flooding, Other }

public enum LifelineKind { Power, Water, Gas, Telecom, Rail, Road, Bus, Ship, Air }

public enum LifelineState { Outage, Partial, Restored }

public sealed record LifelineBody(IReadOnlyList<LifelineStatus> Statuses) : NoticeBody;

public sealed record LifelineStatus(
    LifelineKind Kind,
    LifelineState State,
    string? Operator,
    AreaRef Area,
    int? Households,
    DateTimeOffset? EstimatedRestoration,
    DateTimeOffset At);

public enum PlaceKind { WaterPoint, Bath, Wifi, Charging, ReliefSupplies, Office, Other }

public sealed record GeneralBody(string Title, string Text, IReadOnlyList<Place> Places) : NoticeBody;

/// <summary>Whether a place serves now: 開設 (open; also when the issuer says nothing), 準備中 (preparing), 終了 (closed).</summary>
public enum PlaceState { Open, Preparing, Closed }

public sealed record Place(string Name, PlaceKind? Kind, string? Address, Location? Location, string? Hours, PlaceState? State = null);
