using System.Security.Cryptography.X509Certificates;
using System.Security.Cryptography.Xml;
using System.Text;
using System.Xml;
using Alert.Core.Cap;
using Alert.Core.Notices;
using Alert.Core.Xml;
using static Alert.Core.Tests.Signatures.TestCertificates;

namespace Alert.Core.Tests.Signatures;

public class XmlSignatureTests
{
    private static readonly string Cap = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "examples", "evacuation-order.xml"));
    private static readonly X509Certificate2[] Registered = [Public(Rsa), Public(Ecdsa), Public(Expired)];

    private static SignatureVerdict Verify(string xml, DateTimeOffset? now = null) =>
        XmlSignatures.Verify(Encoding.UTF8.GetBytes(xml), Registered, now ?? DateTimeOffset.UtcNow);

    private static string Signed(string xml, X509Certificate2 certificate) =>
        Encoding.UTF8.GetString(XmlSignatures.Sign(Encoding.UTF8.GetBytes(xml), certificate));

    /// <summary>A signature made with SignedXml as an issuer's tool might make it, with the algorithms and reference given.</summary>
    private static XmlDocument SignedBy(string xml, X509Certificate2 certificate, string signatureMethod = XmlSignatures.RsaSha256,
        string digestMethod = SignedXml.XmlDsigSHA256Url, string uri = "")
    {
        var dom = new XmlDocument { PreserveWhitespace = true };
        dom.LoadXml(xml);
        var signed = new SignedXml(dom) { SigningKey = certificate.GetRSAPrivateKey() };
        signed.SignedInfo!.SignatureMethod = signatureMethod;
        var reference = new Reference(uri) { DigestMethod = digestMethod };
        if (uri.Length == 0) reference.AddTransform(new XmlDsigEnvelopedSignatureTransform());
        reference.AddTransform(new XmlDsigExcC14NTransform());
        signed.AddReference(reference);
        signed.KeyInfo = new KeyInfo();
        signed.KeyInfo.AddClause(new KeyInfoX509Data(certificate));
        signed.ComputeSignature();
        dom.DocumentElement!.AppendChild(dom.ImportNode(signed.GetXml(), true));
        return dom;
    }

    private static XmlElement SignatureOf(XmlDocument dom) => (XmlElement)dom.GetElementsByTagName("Signature", XmlSignatures.Namespace)[0]!;

    [Fact]
    public void An_unsigned_document_is_said_to_be_unsigned()
    {
        var verdict = Verify(Cap);

        verdict.State.ShouldBe(SignatureState.NotSigned);
        verdict.Problems.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("rsa")]
    [InlineData("ecdsa")]
    public void A_document_signed_with_a_registered_certificate_is_valid_and_names_it(string kind)
    {
        var certificate = kind == "rsa" ? Rsa : Ecdsa;
        var signed = Signed(Cap, certificate);

        var verdict = Verify(signed);

        verdict.Problems.ShouldBeEmpty();
        verdict.State.ShouldBe(SignatureState.Valid);
        verdict.Certificate.ShouldBe(XmlSignatures.Thumbprint(certificate));
        CapReader.Read(signed).Problems.ShouldBeEmpty(); // CAP 1.2 allows the signature at the end of the alert
    }

    [Fact]
    public void A_signature_made_by_the_signer_verifies_with_SignedXml_as_a_receiver_would_check_it()
    {
        var dom = new XmlDocument { PreserveWhitespace = true };
        dom.LoadXml(Signed(Cap, Rsa));
        var signed = new SignedXml(dom);
        signed.LoadXml(SignatureOf(dom));

        signed.CheckSignature(Public(Rsa), verifySignatureOnly: true).ShouldBeTrue();
        dom.DocumentElement!.LastChild!.LocalName.ShouldBe("Signature");
    }

    [Fact]
    public void One_changed_character_after_signing_is_a_digest_mismatch()
    {
        var signed = Signed(Cap, Rsa);
        signed.ShouldContain("白川");

        var verdict = Verify(signed.Replace("白川", "黒川", StringComparison.Ordinal));

        verdict.State.ShouldBe(SignatureState.Invalid);
        var problem = verdict.Problems.ShouldHaveSingleItem();
        problem.Code.ShouldBe("signature.digest-mismatch");
        problem.Path.ShouldBe("/alert/Signature/SignedInfo/Reference/DigestValue");
        problem.Line.ShouldNotBeNull();
        problem.Ja.ShouldNotBeNullOrWhiteSpace();
    }

    [Fact]
    public void A_changed_signature_value_is_an_invalid_signature()
    {
        var dom = new XmlDocument { PreserveWhitespace = true };
        dom.LoadXml(Signed(Cap, Rsa));
        var value = (XmlElement)SignatureOf(dom).GetElementsByTagName("SignatureValue", XmlSignatures.Namespace)[0]!;
        var bytes = Convert.FromBase64String(value.InnerText);
        bytes[10] ^= 0x01;
        value.InnerText = Convert.ToBase64String(bytes);

        var verdict = Verify(dom.OuterXml);

        verdict.Problems.ShouldHaveSingleItem().Code.ShouldBe("signature.invalid");
    }

    [Fact]
    public void A_certificate_the_issuer_did_not_register_is_refused_even_though_the_document_carries_it()
    {
        var verdict = Verify(Signed(Cap, Unregistered));

        verdict.State.ShouldBe(SignatureState.Invalid);
        var problem = verdict.Problems.ShouldHaveSingleItem();
        problem.Code.ShouldBe("signature.unknown-certificate");
        problem.En.ShouldContain(XmlSignatures.Thumbprint(Unregistered));
    }

    [Fact]
    public void A_certificate_past_its_validity_or_before_it_is_refused()
    {
        Verify(Signed(Cap, Expired)).Problems.ShouldHaveSingleItem().Code.ShouldBe("signature.certificate-expired");

        var early = Verify(Signed(Cap, Rsa), now: Rsa.NotBefore.ToUniversalTime().AddDays(-1));
        var problem = early.Problems.ShouldHaveSingleItem();
        problem.Code.ShouldBe("signature.certificate-expired");
        problem.En.ShouldContain("not valid until");
    }

    [Fact]
    public void SHA1_for_the_signature_and_the_digest_is_refused_as_weak()
    {
        var dom = SignedBy(Cap, Rsa, SignedXml.XmlDsigRSASHA1Url, SignedXml.XmlDsigSHA1Url);

        var verdict = Verify(dom.OuterXml);

        verdict.State.ShouldBe(SignatureState.Invalid);
        verdict.Problems.Select(p => p.Code).ShouldBe(["signature.weak-algorithm", "signature.weak-algorithm"]);
        verdict.Problems.Select(p => p.Path).ShouldBe(["/alert/Signature/SignedInfo/SignatureMethod", "/alert/Signature/SignedInfo/Reference/DigestMethod"]);
    }

    [Fact]
    public void The_same_signature_made_with_SHA256_by_another_tool_is_accepted()
    {
        // The control for the test above: SignedXml's own output, only the algorithms differ.
        Verify(SignedBy(Cap, Rsa).OuterXml).State.ShouldBe(SignatureState.Valid);
    }

    [Fact]
    public void Two_signatures_are_refused()
    {
        var dom = SignedBy(Cap, Rsa);
        dom.DocumentElement!.AppendChild(SignatureOf(dom).CloneNode(true));

        Verify(dom.OuterXml).Problems.ShouldHaveSingleItem().Code.ShouldBe("signature.multiple");
    }

    [Fact]
    public void A_reference_to_an_element_by_id_is_refused_as_it_allows_signature_wrapping()
    {
        // Signed correctly, but only the part with the id: an attacker could move it aside and put other content in its place.
        var withId = Cap.Replace("<info>", "<info Id=\"signed-part\">", StringComparison.Ordinal);
        var dom = SignedBy(withId, Rsa, uri: "#signed-part");
        var signed = new SignedXml(dom);
        signed.LoadXml(SignatureOf(dom));
        signed.CheckSignature(Public(Rsa), true).ShouldBeTrue(); // a lax verifier would accept it

        var problem = Verify(dom.OuterXml).Problems.ShouldHaveSingleItem();
        problem.Code.ShouldBe("signature.reference");
    }

    [Fact]
    public void A_signature_that_is_not_the_last_child_of_the_root_is_refused()
    {
        var dom = new XmlDocument { PreserveWhitespace = true };
        dom.LoadXml(Signed(Cap, Rsa));
        var signature = SignatureOf(dom);
        dom.DocumentElement!.InsertBefore(signature, dom.DocumentElement.GetElementsByTagName("info")[0]);

        Verify(dom.OuterXml).Problems.ShouldHaveSingleItem().Code.ShouldBe("signature.misplaced");

        // Nor inside another element.
        dom.DocumentElement.GetElementsByTagName("info")[0]!.AppendChild(signature);
        Verify(dom.OuterXml).Problems.ShouldHaveSingleItem().Code.ShouldBe("signature.misplaced");
    }

    [Fact]
    public void A_signature_without_its_parts_is_malformed()
    {
        var dom = new XmlDocument { PreserveWhitespace = true };
        dom.LoadXml(Signed(Cap, Rsa));
        var signature = SignatureOf(dom);
        signature.RemoveChild(signature.GetElementsByTagName("SignedInfo", XmlSignatures.Namespace)[0]!);

        Verify(dom.OuterXml).Problems.ShouldHaveSingleItem().Code.ShouldBe("signature.malformed");
    }

    [Fact]
    public void Signing_replaces_a_signature_the_document_already_had()
    {
        var twice = Signed(Signed(Cap, Ecdsa), Rsa);

        var verdict = Verify(twice);

        verdict.State.ShouldBe(SignatureState.Valid);
        verdict.Certificate.ShouldBe(XmlSignatures.Thumbprint(Rsa));
    }

    [Fact]
    public void A_signed_native_notice_is_valid_against_its_schema_and_reads_as_before()
    {
        foreach (var name in (string[])["evacuation.xml", "cancel.xml"])
        {
            var xml = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "notice-examples", name));
            var signed = Signed(xml, Ecdsa);

            Verify(signed).State.ShouldBe(SignatureState.Valid);
            var read = NoticeXmlReader.Read(signed);
            read.Problems.ShouldBeEmpty();
            NoticeJson.Write(read.Notice!).ShouldBe(NoticeJson.Write(NoticeXmlReader.Read(xml).Notice!), name);
        }
    }

    [Fact]
    public void The_native_schema_takes_one_signature_at_the_end_and_nothing_else_from_its_namespace()
    {
        var xml = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "notice-examples", "evacuation.xml"));
        var signed = Signed(xml, Rsa);
        var end = signed.IndexOf("<Signature", StringComparison.Ordinal);
        var signature = signed[end..signed.LastIndexOf("</notice>", StringComparison.Ordinal)];

        NoticeXmlReader.Read(signed.Insert(end, signature)).Problems.ShouldContain(p => p.Code.StartsWith("notice.schema", StringComparison.Ordinal));
    }
}
