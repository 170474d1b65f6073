using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Alert.Core.Webhooks;

/// <summary>
/// The <c>X-Alert-Signature</c> header of every webhook POST: <c>t=&lt;unix seconds&gt;,v1=&lt;hex&gt;</c>, where v1 is
/// HMAC-SHA256 with the subscriber's secret over the ASCII time, a full stop, and the body bytes as sent. The time
/// inside the signature lets a receiver refuse a captured request replayed later.
/// </summary>
public static class WebhookSignature
{
    public const string Header = "X-Alert-Signature";

    public static string Sign(string secret, byte[] body, DateTimeOffset at)
    {
        var time = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return $"t={time},v1={Convert.ToHexStringLower(Mac(secret, time, body))}";
    }

    /// <summary>True when the header was made with this secret over this body, no further than <paramref name="tolerance"/> from now.</summary>
    public static bool Verify(string secret, string? header, byte[] body, DateTimeOffset now, TimeSpan tolerance)
    {
        var parts = (header ?? "").Split(',').Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0].Trim(), p => p[1].Trim());
        if (!parts.TryGetValue("t", out var time) || !parts.TryGetValue("v1", out var given)
            || !long.TryParse(time, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || (now - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > tolerance) return false;
        byte[] claimed;
        try
        {
            claimed = Convert.FromHexString(given);
        }
        catch (FormatException)
        {
            return false;
        }
        return CryptographicOperations.FixedTimeEquals(claimed, Mac(secret, time, body));
    }

    /// <summary>A new secret: 32 random bytes, base64url, shown to the subscriber once.</summary>
    public static string NewSecret() => "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] Mac(string secret, string time, byte[] body)
    {
        using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(secret));
        hmac.TransformBlock(Encoding.ASCII.GetBytes(time + "."), 0, time.Length + 1, null, 0);
        hmac.TransformFinalBlock(body, 0, body.Length);
        return hmac.Hash!;
    }
}
