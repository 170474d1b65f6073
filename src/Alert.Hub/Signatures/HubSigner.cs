using System.Security.Cryptography.X509Certificates;
using Alert.Core.Xml;
using Microsoft.Extensions.Options;

namespace Alert.Hub.Signatures;

/// <summary>The "Alert:Signing" section: a PKCS#12 (.pfx) file holding the hub's certificate and its RSA or ECDSA key.</summary>
public sealed class SigningOptions
{
    public const string Section = "Alert:Signing";

    /// <summary>Path of the .pfx file (relative to the working directory unless rooted); unset, the hub signs nothing.</summary>
    public string? Certificate { get; set; }

    public string? Password { get; set; }
}

/// <summary>
/// Signs the CAP and native XML the hub emits (enveloped XML-DSig, see <see cref="XmlSignatures.Sign"/>), when it is
/// configured with a key; otherwise hands the bytes back as they are. What goes out is the hub's word: an issuer's
/// own signature is replaced by the hub's, and the issuer's bytes stay available as the revision's source.
/// </summary>
public sealed class HubSigner(IOptions<SigningOptions> options)
{
    private readonly X509Certificate2? _certificate = Load(options.Value);

    public X509Certificate2? Certificate => _certificate;

    public byte[] Sign(byte[] xml) => _certificate is null ? xml : XmlSignatures.Sign(xml, _certificate);

    /// <summary>Reads the key at start (options validation), so a wrong path or password stops the hub rather than its first notice.</summary>
    internal static X509Certificate2? Load(SigningOptions options)
    {
        if (string.IsNullOrEmpty(options.Certificate)) return null;
        var certificate = X509CertificateLoader.LoadPkcs12FromFile(options.Certificate, options.Password, X509KeyStorageFlags.EphemeralKeySet);
        if (certificate.GetRSAPrivateKey() is null && certificate.GetECDsaPrivateKey() is null)
            throw new InvalidOperationException($"{SigningOptions.Section}:Certificate ({options.Certificate}) holds no RSA or ECDSA private key");
        return certificate;
    }
}
