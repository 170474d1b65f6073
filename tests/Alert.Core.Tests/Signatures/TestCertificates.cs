using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Alert.Core.Tests.Signatures;

/// <summary>Certificates made by the tests themselves: a desk's RSA and ECDSA keys, an expired one, one nobody registered.</summary>
public static class TestCertificates
{
    public static readonly X509Certificate2 Rsa = MakeRsa("CN=熊本市 防災, O=Kumamoto City");
    public static readonly X509Certificate2 Ecdsa = MakeEcdsa("CN=熊本市 防災 (ECDSA)");
    public static readonly X509Certificate2 Unregistered = MakeRsa("CN=Somebody else");
    public static readonly X509Certificate2 Expired = MakeRsa("CN=熊本市 防災 (expired)", DateTimeOffset.UtcNow.AddYears(-2), DateTimeOffset.UtcNow.AddDays(-1));

    public static X509Certificate2 MakeRsa(string subject, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null) =>
        new CertificateRequest(subject, RSA.Create(2048), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(notBefore ?? DateTimeOffset.UtcNow.AddDays(-1), notAfter ?? DateTimeOffset.UtcNow.AddYears(1));

    public static X509Certificate2 MakeEcdsa(string subject) =>
        new CertificateRequest(subject, ECDsa.Create(ECCurve.NamedCurves.nistP256), HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));

    /// <summary>The certificate as registered with the hub: public part only.</summary>
    public static X509Certificate2 Public(X509Certificate2 certificate) => X509CertificateLoader.LoadCertificate(certificate.RawData);

    public static string Pem(X509Certificate2 certificate) => certificate.ExportCertificatePem();
}
