using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Security.Cryptography.Xml;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace Alert.Core.Xml;

public enum SignatureState { NotSigned, Valid, Invalid }

/// <summary>
/// What checking a document's XML signature found. <see cref="Certificate"/> is the SHA-256 thumbprint of the
/// registered certificate it was signed with (when valid); <see cref="Problems"/> lists everything wrong (when invalid).
/// </summary>
public sealed record SignatureVerdict(SignatureState State, string? Certificate, IReadOnlyList<Problem> Problems);

/// <summary>
/// Enveloped XML-DSig over a whole CAP or native notice, checked strictly against the known pitfalls: one signature,
/// the last child of the root; one reference to the whole document (URI=""; id references allow signature wrapping);
/// only the enveloped-signature transform and C14N; SHA-256 with RSA or ECDSA; and the key is a certificate the issuer
/// registered (by SHA-256 thumbprint), never one that merely travels in KeyInfo, within its validity period.
/// </summary>
public static class XmlSignatures
{
    public const string Namespace = SignedXml.XmlDsigNamespaceUrl;
    public const string RsaSha256 = SignedXml.XmlDsigRSASHA256Url;
    public const string EcdsaSha256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256";
    private static readonly XNamespace Ds = Namespace;

    private static readonly string[] Canonicalizations = [SignedXml.XmlDsigExcC14NTransformUrl, SignedXml.XmlDsigC14NTransformUrl];

    // SHA-1 (and older) are broken for signatures: named apart, so the desk knows to change its tool's setting.
    private static readonly string[] Weak =
    [
        SignedXml.XmlDsigRSASHA1Url, SignedXml.XmlDsigDSAUrl, SignedXml.XmlDsigHMACSHA1Url, SignedXml.XmlDsigSHA1Url,
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1", "http://www.w3.org/2001/04/xmldsig-more#rsa-md5", "http://www.w3.org/2001/04/xmldsig-more#md5",
    ];

    // SignedXml knows RSA and DSA only: ECDSA-SHA256 (RFC 6931) needs a description of its own.
    static XmlSignatures() => CryptoConfig.AddAlgorithm(typeof(EcdsaSha256SignatureDescription), EcdsaSha256);

    /// <summary>How certificates are named: the lower-case hex SHA-256 of the DER.</summary>
    public static string Thumbprint(X509Certificate2 certificate) => Convert.ToHexStringLower(certificate.GetCertHash(HashAlgorithmName.SHA256));

    /// <summary>
    /// Checks the signature of <paramref name="xml"/> (the bytes as received) against the issuer's
    /// <paramref name="registered"/> certificates at <paramref name="now"/>. No signature: <see cref="SignatureState.NotSigned"/>.
    /// </summary>
    public static SignatureVerdict Verify(byte[] xml, IReadOnlyCollection<X509Certificate2> registered, DateTimeOffset now)
    {
        var (document, refusal) = SafeXml.Load(new MemoryStream(xml));
        if (document is null) return Invalid([refusal!]);
        var signatures = document.Descendants(Ds + "Signature").ToList();
        if (signatures.Count == 0) return new SignatureVerdict(SignatureState.NotSigned, null, []);

        var root = document.Root!;
        if (signatures.Count > 1)
            return Invalid([Problem.At("signature.multiple", SafeXml.Locate(signatures[1]),
                $"署名（ds:Signature）が {signatures.Count} 個あります。文書全体への署名を 1 つだけ付けてください。",
                $"The document carries {signatures.Count} signatures (ds:Signature); sign the whole document once.")]);
        var signature = signatures[0];
        if (signature.Parent != root || root.Elements().Last() != signature)
            return Invalid([Problem.At("signature.misplaced", SafeXml.Locate(signature),
                "署名（ds:Signature）はルート要素の最後の子要素として置いてください（文書全体を包む enveloped 署名）。",
                "The signature (ds:Signature) must be the last child of the root element (an enveloped signature over the whole document).")]);

        var (form, embedded) = Form(signature);
        if (form.Count > 0) return Invalid(form);

        var problems = new List<Problem>();
        var keyInfo = SafeXml.Locate(signature.Element(Ds + "KeyInfo")!);
        var byThumbprint = registered.ToDictionary(Thumbprint, StringComparer.Ordinal);
        var signer = embedded.Select(c => byThumbprint.GetValueOrDefault(Thumbprint(c))).OfType<X509Certificate2>().FirstOrDefault();
        if (signer is null)
        {
            var names = string.Join(", ", embedded.Select(c => $"{c.Subject} (SHA-256 {Thumbprint(c)})"));
            problems.Add(Problem.At("signature.unknown-certificate", keyInfo,
                $"署名の証明書 {names} は、この発信者に登録された証明書ではありません。証明書を登録するか、登録済みの証明書で署名してください。",
                $"The signing certificate {names} is not one registered for this issuer; register it, or sign with a registered certificate."));
        }
        else if (now < signer.NotBefore.ToUniversalTime() || now > signer.NotAfter.ToUniversalTime())
        {
            var (ja, en) = now < signer.NotBefore.ToUniversalTime()
                ? ($"有効期間の開始（{signer.NotBefore.ToUniversalTime():yyyy-MM-dd HH:mm} UTC）前です", $"is not valid until {signer.NotBefore.ToUniversalTime():yyyy-MM-dd HH:mm} UTC")
                : ($"有効期限（{signer.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm} UTC）が切れています", $"expired at {signer.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm} UTC");
            problems.Add(Problem.At("signature.certificate-expired", keyInfo,
                $"署名の証明書 {signer.Subject} は{ja}。有効な証明書で署名してください。",
                $"The signing certificate {signer.Subject} {en}; sign with a valid certificate."));
        }

        var (dom, _) = SafeXml.LoadExact(new MemoryStream(xml));
        var signatureElement = dom!.DocumentElement!.ChildNodes.OfType<XmlElement>().Last();
        var reference = signature.Element(Ds + "SignedInfo")!.Element(Ds + "Reference")!;
        var digestMatches = Digest(dom, reference).AsSpan().SequenceEqual(Convert.FromBase64String(reference.Element(Ds + "DigestValue")!.Value.Trim()));
        if (!digestMatches)
            problems.Add(Problem.At("signature.digest-mismatch", SafeXml.Locate(reference.Element(Ds + "DigestValue")!),
                "署名の後に文書が変更されています（ダイジェストが一致しません）。署名し直して送ってください。",
                "The document was changed after it was signed (the digest does not match); sign it again."));
        else if (signer is not null && !SignatureHolds(dom, signatureElement, signer))
            problems.Add(Problem.At("signature.invalid", SafeXml.Locate(signature.Element(Ds + "SignatureValue")!),
                "署名値が正しくありません（登録された証明書の鍵で検証できません）。",
                "The signature value is wrong: it does not verify with the registered certificate's key."));

        return problems.Count == 0 ? new SignatureVerdict(SignatureState.Valid, Thumbprint(signer!), []) : Invalid(problems);
    }

    private static SignatureVerdict Invalid(IReadOnlyList<Problem> problems) => new(SignatureState.Invalid, null, problems);

    /// <summary>Every check of the signature's form that needs no key; and the certificates KeyInfo carries.</summary>
    private static (List<Problem> Problems, List<X509Certificate2> Certificates) Form(XElement signature)
    {
        var problems = new List<Problem>();
        void Malformed(XObject at, string ja, string en) => problems.Add(Problem.At("signature.malformed", SafeXml.Locate(at), ja, en));
        void Algorithm(XElement? method, string what, string[] allowed, string allowedNames)
        {
            var uri = method?.Attribute("Algorithm")?.Value;
            if (method is null || uri is null)
                Malformed(method ?? signature, $"{what} のアルゴリズムがありません。", $"The {what} names no algorithm.");
            else if (Weak.Contains(uri))
                problems.Add(Problem.At("signature.weak-algorithm", SafeXml.Locate(method),
                    $"{what}「{uri}」は SHA-1 などの弱いアルゴリズムです。{allowedNames} を使ってください。",
                    $"The {what} '{uri}' is a weak algorithm (SHA-1 or older); use {allowedNames}."));
            else if (!allowed.Contains(uri))
                problems.Add(Problem.At("signature.unsupported-algorithm", SafeXml.Locate(method),
                    $"{what}「{uri}」は受け付けません。{allowedNames} を使ってください。",
                    $"The {what} '{uri}' is not accepted; use {allowedNames}."));
        }

        var signedInfo = signature.Element(Ds + "SignedInfo");
        var value = signature.Element(Ds + "SignatureValue");
        if (signedInfo is null || value is null)
        {
            Malformed(signature, "署名に SignedInfo か SignatureValue がありません。", "The signature lacks its SignedInfo or SignatureValue.");
            return (problems, []);
        }
        if (!IsBase64(value.Value))
            Malformed(value, "SignatureValue が Base64 ではありません。", "The SignatureValue is not Base64.");
        Algorithm(signedInfo.Element(Ds + "CanonicalizationMethod"), "正規化（CanonicalizationMethod）", Canonicalizations, "Exclusive C14N / C14N 1.0");
        Algorithm(signedInfo.Element(Ds + "SignatureMethod"), "署名方式（SignatureMethod）", [RsaSha256, EcdsaSha256], "RSA-SHA256 / ECDSA-SHA256");

        var references = signedInfo.Elements(Ds + "Reference").ToList();
        if (references.Count != 1 || references[0].Attribute("URI")?.Value != "")
        {
            problems.Add(Problem.At("signature.reference", SafeXml.Locate(references.Count == 1 ? references[0] : signedInfo),
                "署名は文書全体を指す Reference（URI=\"\"）を 1 つだけ持ってください。ID で一部を指す署名は受け付けません。",
                "The signature must hold exactly one Reference, to the whole document (URI=\"\"); references to parts by id are refused."));
        }
        else
        {
            var reference = references[0];
            Algorithm(reference.Element(Ds + "DigestMethod"), "ダイジェスト方式（DigestMethod）", [SignedXml.XmlDsigSHA256Url], "SHA-256");
            var transforms = reference.Element(Ds + "Transforms")?.Elements(Ds + "Transform").Select(t => t.Attribute("Algorithm")?.Value).ToList() ?? [];
            if (transforms.Count is 0 or > 2 || transforms[0] != SignedXml.XmlDsigEnvelopedSignatureTransformUrl
                || (transforms.Count == 2 && !Canonicalizations.Contains(transforms[1])))
                problems.Add(Problem.At("signature.transform", SafeXml.Locate(reference.Element(Ds + "Transforms") ?? reference),
                    "変換（Transforms）は enveloped-signature と、その後の Exclusive C14N または C14N 1.0 だけにしてください。",
                    "The only transforms allowed are enveloped-signature, then optionally Exclusive C14N or C14N 1.0."));
            if (reference.Element(Ds + "DigestValue") is not { } digest || !IsBase64(digest.Value))
                Malformed(reference, "DigestValue がないか Base64 ではありません。", "The DigestValue is missing or not Base64.");
        }

        var certificates = new List<X509Certificate2>();
        var encoded = signature.Element(Ds + "KeyInfo")?.Elements(Ds + "X509Data").Elements(Ds + "X509Certificate").ToList() ?? [];
        if (encoded.Count == 0)
            Malformed(signature.Element(Ds + "KeyInfo") ?? signature,
                "KeyInfo/X509Data に署名の証明書（X509Certificate）を入れてください。",
                "Put the signing certificate in KeyInfo/X509Data/X509Certificate.");
        foreach (var element in encoded)
        {
            try
            {
                certificates.Add(X509CertificateLoader.LoadCertificate(Convert.FromBase64String(element.Value.Trim())));
            }
            catch (Exception ex) when (ex is FormatException or CryptographicException)
            {
                Malformed(element, "X509Certificate が証明書として読めません。", "An X509Certificate cannot be read as a certificate.");
            }
        }
        return (problems, certificates);
    }

    private static bool IsBase64(string text) => Convert.TryFromBase64String(text.Trim(), new byte[text.Length], out _);

    /// <summary>The reference's digest recomputed here, apart from SignedXml, so that a changed document is told from a wrong key.</summary>
    private static byte[] Digest(XmlDocument dom, XElement reference)
    {
        var copy = (XmlDocument)dom.Clone();
        var root = copy.DocumentElement!;
        root.RemoveChild(root.ChildNodes.OfType<XmlElement>().Last());
        var transforms = reference.Element(Ds + "Transforms")!.Elements(Ds + "Transform").ToList();
        var prefixes = transforms.Count == 2
            ? transforms[1].Elements(XName.Get("InclusiveNamespaces", SignedXml.XmlDsigExcC14NTransformUrl)).FirstOrDefault()?.Attribute("PrefixList")?.Value
            : null;
        Transform canonical = transforms.Count == 2 && transforms[1].Attribute("Algorithm")!.Value == SignedXml.XmlDsigExcC14NTransformUrl
            ? (prefixes is null ? new XmlDsigExcC14NTransform() : new XmlDsigExcC14NTransform(prefixes))
            : new XmlDsigC14NTransform();
        canonical.LoadInput(copy);
        using var output = (Stream)canonical.GetOutput(typeof(Stream));
        return SHA256.HashData(output);
    }

    private static bool SignatureHolds(XmlDocument dom, XmlElement signature, X509Certificate2 certificate)
    {
        var signed = new SignedXml(dom);
        try
        {
            signed.LoadXml(signature);
            using var key = (AsymmetricAlgorithm?)certificate.GetRSAPublicKey() ?? certificate.GetECDsaPublicKey();
            return key is not null && signed.CheckSignature(key);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <summary>
    /// Signs <paramref name="xml"/> as the hub emits it: any signature already at the root's end (an issuer's) is
    /// replaced, since what goes out is the hub's word; then one enveloped signature, exclusive C14N, SHA-256 with the
    /// certificate's RSA or ECDSA key, the certificate in KeyInfo. Written as UTF-8.
    /// </summary>
    public static byte[] Sign(byte[] xml, X509Certificate2 certificate)
    {
        var (dom, refusal) = SafeXml.LoadExact(new MemoryStream(xml));
        if (dom is null) throw new ArgumentException($"cannot sign what is not XML: {refusal!.En}", nameof(xml));
        var root = dom.DocumentElement!;
        foreach (var old in root.ChildNodes.OfType<XmlElement>().Where(e => e.LocalName == "Signature" && e.NamespaceURI == Namespace).ToList())
            root.RemoveChild(old);

        var key = (AsymmetricAlgorithm?)certificate.GetRSAPrivateKey() ?? certificate.GetECDsaPrivateKey()
            ?? throw new ArgumentException("the signing certificate has no RSA or ECDSA private key", nameof(certificate));
        var signed = new SignedXml(dom) { SigningKey = key };
        signed.SignedInfo!.CanonicalizationMethod = SignedXml.XmlDsigExcC14NTransformUrl;
        signed.SignedInfo.SignatureMethod = key is RSA ? RsaSha256 : EcdsaSha256;
        var reference = new Reference("") { DigestMethod = SignedXml.XmlDsigSHA256Url };
        reference.AddTransform(new XmlDsigEnvelopedSignatureTransform());
        reference.AddTransform(new XmlDsigExcC14NTransform());
        signed.AddReference(reference);
        signed.KeyInfo = new KeyInfo();
        signed.KeyInfo.AddClause(new KeyInfoX509Data(certificate));
        signed.ComputeSignature();
        root.AppendChild(dom.ImportNode(signed.GetXml(), deep: true));

        // The declaration is written anew as UTF-8; line ends and white space go out as they are, so the digest holds.
        foreach (var declaration in dom.ChildNodes.OfType<XmlDeclaration>().ToList()) dom.RemoveChild(declaration);
        using var output = new MemoryStream();
        using (var writer = XmlWriter.Create(output, new XmlWriterSettings { Encoding = new UTF8Encoding(false), NewLineHandling = NewLineHandling.Entitize }))
            dom.Save(writer);
        return output.ToArray();
    }
}

/// <summary>
/// ECDSA over SHA-256 for SignedXml; the signature value is r‖s (IEEE P1363), as RFC 4050 has it. Public only because
/// CryptoConfig takes no other.
/// </summary>
public sealed class EcdsaSha256SignatureDescription : SignatureDescription
{
    public EcdsaSha256SignatureDescription()
    {
        KeyAlgorithm = typeof(ECDsa).AssemblyQualifiedName;
        DigestAlgorithm = typeof(SHA256).AssemblyQualifiedName;
    }

    public override HashAlgorithm CreateDigest() => SHA256.Create();

    public override AsymmetricSignatureFormatter CreateFormatter(AsymmetricAlgorithm key) => new Signer((ECDsa)key);

    public override AsymmetricSignatureDeformatter CreateDeformatter(AsymmetricAlgorithm key) => new Checker((ECDsa)key);

    private sealed class Signer(ECDsa key) : AsymmetricSignatureFormatter
    {
        public override void SetKey(AsymmetricAlgorithm key) => throw new NotSupportedException();
        public override void SetHashAlgorithm(string strName) { }
        public override byte[] CreateSignature(byte[] rgbHash) => key.SignHash(rgbHash);
    }

    private sealed class Checker(ECDsa key) : AsymmetricSignatureDeformatter
    {
        public override void SetKey(AsymmetricAlgorithm key) => throw new NotSupportedException();
        public override void SetHashAlgorithm(string strName) { }
        public override bool VerifySignature(byte[] rgbHash, byte[] rgbSignature) => key.VerifyHash(rgbHash, rgbSignature);
    }
}
