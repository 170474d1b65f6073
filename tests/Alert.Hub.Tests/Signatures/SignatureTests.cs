using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Alert.Core.Cap;
using Alert.Core.Tests.Signatures;
using Alert.Core.Xml;
using Alert.Hub.Auth;
using Alert.Hub.Storage;
using Alert.Hub.Tests.Support;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace Alert.Hub.Tests.Signatures;

/// <summary>Helpers for a desk that signs: its own identity and key, signed CAP and native notices.</summary>
internal static class Desk
{
    public static async Task<(string Id, string Key)> NewIssuerAsync(HubFixture hub)
    {
        var id = $"sig-{Guid.NewGuid():N}";
        var key = $"key-{id}";
        await hub.AddIssuerAsync(new Identity(id, "熊本市", Roles.Issuer, "43100"), key);
        return (id, key);
    }

    public static Task<HttpResponseMessage> RegisterAsync(HubFixture hub, string identityId, string pem, string contentType = "application/x-pem-file") =>
        hub.SendAsync(HttpMethod.Post, $"/api/v1/admin/identities/{identityId}/certificates", new StringContent(pem, Encoding.UTF8, contentType), HubFixture.AdminKey);

    public static string Cap() => CapWriter.Write(CapWriter.EvacuationOrder($"sig-{Guid.NewGuid():N}", "431001", "熊本市", DateTimeOffset.Now));

    public static string Native(string example = "evacuation.xml") =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "notice-examples", example))
            .Replace("<documentId>", $"<documentId>{Guid.NewGuid():N}-", StringComparison.Ordinal);

    public static string Signed(string xml, X509Certificate2 certificate) =>
        Encoding.UTF8.GetString(XmlSignatures.Sign(Encoding.UTF8.GetBytes(xml), certificate));

    public static async Task<(HttpStatusCode Status, JsonElement Body)> SubmitAsync(HubFixture hub, string key, string body, string contentType = "application/cap+xml")
    {
        using var response = await hub.PostCapAsync(body, key, contentType);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    /// <summary>The first revision as GET /api/v1/notices/{id} shows it to its issuer.</summary>
    public static async Task<JsonElement> FirstRevisionAsync(HubFixture hub, string key, string id)
    {
        using var details = await hub.SendAsync(HttpMethod.Get, $"/api/v1/notices/{id}", null, key);
        details.StatusCode.ShouldBe(HttpStatusCode.OK);
        return (await details.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("revisions")[0];
    }

    public static IEnumerable<string> Codes(JsonElement problem) => problem.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("code").GetString()!);
}

/// <summary>The register of issuers' certificates, through the admin API, on both databases.</summary>
public abstract class SignatureRegistryTests(HubFixture hub)
{
    [Fact]
    public async Task An_admin_registers_lists_requires_and_removes_certificates_and_bad_input_is_problem_json()
    {
        var (id, _) = await Desk.NewIssuerAsync(hub);
        var thumbprint = XmlSignatures.Thumbprint(TestCertificates.Rsa);

        using (var created = await Desk.RegisterAsync(hub, id, TestCertificates.Pem(TestCertificates.Rsa)))
        {
            created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
            var body = await created.Content.ReadFromJsonAsync<JsonElement>();
            body.GetProperty("sha256").GetString().ShouldBe(thumbprint);
            body.GetProperty("subject").GetString().ShouldBe(TestCertificates.Rsa.Subject);
        }
        using (var again = await Desk.RegisterAsync(hub, id, TestCertificates.Pem(TestCertificates.Rsa), "text/plain"))
            again.StatusCode.ShouldBe(HttpStatusCode.OK); // already registered: nothing new

        async Task ShouldRefuse(HttpResponseMessage response, HttpStatusCode status, string code)
        {
            using (response)
            {
                response.StatusCode.ShouldBe(status);
                response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
                (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString().ShouldBe(code);
            }
        }
        var withKey = TestCertificates.Pem(TestCertificates.Ecdsa) + TestCertificates.Ecdsa.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem();
        await ShouldRefuse(await Desk.RegisterAsync(hub, id, withKey), HttpStatusCode.UnprocessableEntity, "certificate.private-key");
        await ShouldRefuse(await Desk.RegisterAsync(hub, id, "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n"),
            HttpStatusCode.UnprocessableEntity, "certificate.malformed");
        await ShouldRefuse(await Desk.RegisterAsync(hub, id, "hello"), HttpStatusCode.UnprocessableEntity, "certificate.malformed");
        await ShouldRefuse(await Desk.RegisterAsync(hub, id, TestCertificates.Pem(TestCertificates.Expired)), HttpStatusCode.UnprocessableEntity, "certificate.expired");
        await ShouldRefuse(await Desk.RegisterAsync(hub, "nobody", TestCertificates.Pem(TestCertificates.Ecdsa)), HttpStatusCode.NotFound, "identity.not-found");
        await ShouldRefuse(await Desk.RegisterAsync(hub, id, TestCertificates.Pem(TestCertificates.Ecdsa), "application/json"),
            HttpStatusCode.UnsupportedMediaType, "request.content-type");
        await ShouldRefuse(await hub.SendAsync(HttpMethod.Put, $"/api/v1/admin/identities/{id}/signatures", new StringContent("{\"required\": \"yes\"", Encoding.UTF8, "application/json"), HubFixture.AdminKey),
            HttpStatusCode.BadRequest, "request.json");
        await ShouldRefuse(await hub.SendAsync(HttpMethod.Post, $"/api/v1/admin/identities/{id}/certificates",
            new StringContent(TestCertificates.Pem(TestCertificates.Ecdsa), Encoding.UTF8, "application/x-pem-file"), HubFixture.IssuerKey),
            HttpStatusCode.Forbidden, "auth.forbidden");

        using (var required = await hub.SendAsAdminAsync(HttpMethod.Put, $"/api/v1/admin/identities/{id}/signatures", new { required = true }))
            required.StatusCode.ShouldBe(HttpStatusCode.OK);
        using (var listed = await hub.SendAsAdminAsync(HttpMethod.Get, $"/api/v1/admin/identities/{id}/certificates"))
        {
            var body = await listed.Content.ReadFromJsonAsync<JsonElement>();
            body.GetProperty("required").GetBoolean().ShouldBeTrue();
            body.GetProperty("certificates").EnumerateArray().Select(c => c.GetProperty("sha256").GetString()).ShouldBe([thumbprint]);
        }

        using (var removed = await hub.SendAsAdminAsync(HttpMethod.Delete, $"/api/v1/admin/identities/{id}/certificates/{thumbprint.ToUpperInvariant()}"))
            removed.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        await ShouldRefuse(await hub.SendAsAdminAsync(HttpMethod.Delete, $"/api/v1/admin/identities/{id}/certificates/{thumbprint}"),
            HttpStatusCode.NotFound, "certificate.not-found");

        // Every change is on the audit trail.
        await using var connection = await hub.Services.GetRequiredService<Db>().OpenAsync();
        var changes = (await connection.QueryAsync<string>("SELECT subject FROM audit WHERE action = 'admin.change' AND subject LIKE @path",
            new { path = $"/api/v1/admin/identities/{id}/%" })).ToList();
        changes.Count.ShouldBe(4); // registered twice (once new, once again), required, removed
    }

    [Fact]
    public async Task A_signed_notice_is_accepted_and_its_revision_names_the_certificate()
    {
        var (id, key) = await Desk.NewIssuerAsync(hub);
        (await Desk.RegisterAsync(hub, id, TestCertificates.Pem(TestCertificates.Ecdsa))).StatusCode.ShouldBe(HttpStatusCode.Created);
        var signed = Desk.Signed(Desk.Cap(), TestCertificates.Ecdsa);

        var (status, receipt) = await Desk.SubmitAsync(hub, key, signed);

        status.ShouldBe(HttpStatusCode.Accepted, receipt.ToString());
        var revision = await Desk.FirstRevisionAsync(hub, key, receipt.GetProperty("id").GetString()!);
        revision.GetProperty("signedWith").GetString().ShouldBe(XmlSignatures.Thumbprint(TestCertificates.Ecdsa));
    }
}

public sealed class EmbeddedSignatureRegistryTests(EmbeddedHub hub) : SignatureRegistryTests(hub), IClassFixture<EmbeddedHub>;

[Trait("Category", "Infrastructure")]
[Collection(RealInfrastructure.Name)]
public sealed class RabbitPostgresSignatureRegistryTests(RabbitPostgresHub hub) : SignatureRegistryTests(hub);

/// <summary>Intake of signed and unsigned notices on the embedded hub.</summary>
public sealed class SignatureIntakeTests(EmbeddedHub hub) : IClassFixture<EmbeddedHub>
{
    private async Task<(string Id, string Key)> SignerAsync()
    {
        var (id, key) = await Desk.NewIssuerAsync(hub);
        (await Desk.RegisterAsync(hub, id, TestCertificates.Pem(TestCertificates.Rsa))).StatusCode.ShouldBe(HttpStatusCode.Created);
        return (id, key);
    }

    private async Task<long> CountAsync(string sql, object? args = null)
    {
        await using var connection = await hub.Services.GetRequiredService<Db>().OpenAsync();
        return await connection.ExecuteScalarAsync<long>(sql, args);
    }

    [Fact]
    public async Task A_signed_native_notice_is_accepted_verified_and_its_source_kept_byte_for_byte()
    {
        var (_, key) = await SignerAsync();
        var signed = Desk.Signed(Desk.Native(), TestCertificates.Rsa);

        var (status, receipt) = await Desk.SubmitAsync(hub, key, signed, "application/vnd.alert-hub.notice+xml");

        status.ShouldBe(HttpStatusCode.Accepted, receipt.ToString());
        var id = receipt.GetProperty("id").GetString()!;
        (await Desk.FirstRevisionAsync(hub, key, id)).GetProperty("signedWith").GetString().ShouldBe(XmlSignatures.Thumbprint(TestCertificates.Rsa));
        using var source = await hub.SendAsync(HttpMethod.Get, $"/api/v1/notices/{id}/revisions/1/source", null, key);
        var bytes = await source.Content.ReadAsByteArrayAsync();
        bytes.ShouldBe(Encoding.UTF8.GetBytes(signed));
        XmlSignatures.Verify(bytes, [TestCertificates.Public(TestCertificates.Rsa)], DateTimeOffset.UtcNow).State.ShouldBe(SignatureState.Valid);
        // An unsigned hub hands out the issuer's signed document as it came.
        using var native = await hub.Client.GetAsync($"/api/v1/notices/{id}/revisions/1/notice.xml");
        (await native.Content.ReadAsByteArrayAsync()).ShouldBe(bytes);
    }

    [Fact]
    public async Task A_notice_changed_after_signing_is_refused_stored_nowhere_and_recorded()
    {
        var (id, key) = await SignerAsync();
        var tampered = Desk.Signed(Desk.Cap(), TestCertificates.Rsa).Replace("全員避難", "全員待機", StringComparison.Ordinal);
        var documents = await CountAsync("SELECT COUNT(*) FROM documents");

        var (status, problem) = await Desk.SubmitAsync(hub, key, tampered);

        status.ShouldBe(HttpStatusCode.Forbidden);
        problem.GetProperty("code").GetString().ShouldBe("signature.refused");
        Desk.Codes(problem).ShouldBe(["signature.digest-mismatch"]);
        problem.GetProperty("errors")[0].GetProperty("line").GetInt32().ShouldBeGreaterThan(1);
        (await CountAsync("SELECT COUNT(*) FROM documents")).ShouldBe(documents);
        (await CountAsync("SELECT COUNT(*) FROM audit WHERE actor = @id AND action = 'notice.refused' AND detail LIKE '%signature.digest-mismatch%'", new { id }))
            .ShouldBe(1);
    }

    [Fact]
    public async Task A_notice_signed_with_a_certificate_the_issuer_did_not_register_is_refused()
    {
        var (_, key) = await SignerAsync();

        var (status, problem) = await Desk.SubmitAsync(hub, key, Desk.Signed(Desk.Cap(), TestCertificates.Unregistered));

        status.ShouldBe(HttpStatusCode.Forbidden);
        Desk.Codes(problem).ShouldBe(["signature.unknown-certificate"]);
    }

    [Fact]
    public async Task An_issuer_that_must_sign_cannot_send_unsigned_xml_json_or_csv_but_can_send_signed()
    {
        var (id, key) = await SignerAsync();
        (await hub.SendAsAdminAsync(HttpMethod.Put, $"/api/v1/admin/identities/{id}/signatures", new { required = true })).StatusCode.ShouldBe(HttpStatusCode.OK);

        var (status, problem) = await Desk.SubmitAsync(hub, key, Desk.Cap());
        status.ShouldBe(HttpStatusCode.Forbidden);
        Desk.Codes(problem).ShouldBe(["signature.required"]);

        var json = Alert.Core.Notices.NoticeJson.Write(Alert.Core.Notices.NoticeXmlReader.Read(Desk.Native()).Notice!);
        (status, problem) = await Desk.SubmitAsync(hub, key, json, "application/json");
        status.ShouldBe(HttpStatusCode.Forbidden);
        Desk.Codes(problem).ShouldBe(["signature.required"]);

        // The dry run says the same.
        using var dry = await hub.PostCapAsync(Desk.Cap(), key, path: "/api/v1/notices/validate");
        var report = await dry.Content.ReadFromJsonAsync<JsonElement>();
        report.GetProperty("valid").GetBoolean().ShouldBeFalse();
        report.GetProperty("errors")[0].GetProperty("code").GetString().ShouldBe("signature.required");

        (status, var receipt) = await Desk.SubmitAsync(hub, key, Desk.Signed(Desk.Cap(), TestCertificates.Rsa));
        status.ShouldBe(HttpStatusCode.Accepted, receipt.ToString());
    }

    [Fact]
    public async Task An_issuer_that_need_not_sign_still_sends_unsigned_notices()
    {
        var (_, key) = await SignerAsync();

        var (status, receipt) = await Desk.SubmitAsync(hub, key, Desk.Cap());

        status.ShouldBe(HttpStatusCode.Accepted);
        (await Desk.FirstRevisionAsync(hub, key, receipt.GetProperty("id").GetString()!)).GetProperty("signedWith").ValueKind
            .ShouldBe(JsonValueKind.Null);
    }
}

/// <summary>A hub configured with a key of its own (a PKCS#12 file the test writes).</summary>
public sealed class SigningHub : HubFixture
{
    public static readonly X509Certificate2 Key = TestCertificates.MakeRsa("CN=Alert hub (test)");
    private static readonly string Pfx = WritePfx();

    private static string WritePfx()
    {
        var path = Path.Combine(Path.GetTempPath(), $"alert-hub-signing-{Guid.NewGuid():N}.pfx");
        File.WriteAllBytes(path, Key.Export(X509ContentType.Pkcs12, "test-password"));
        return path;
    }

    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["Alert:Transport"] = "InMemory",
        ["Alert:Database"] = "Sqlite",
        ["Alert:Signing:Certificate"] = Pfx,
        ["Alert:Signing:Password"] = "test-password",
    };
}

public sealed class HubSignatureTests(SigningHub hub) : IClassFixture<SigningHub>
{
    private static readonly X509Certificate2[] HubCertificate = [TestCertificates.Public(SigningHub.Key)];

    private static void ShouldBeSignedByTheHub(byte[] xml) =>
        XmlSignatures.Verify(xml, HubCertificate, DateTimeOffset.UtcNow).State.ShouldBe(SignatureState.Valid);

    [Fact]
    public async Task What_the_hub_emits_verifies_with_its_certificate_and_the_issuers_original_stays_as_sent()
    {
        var (issuer, key) = await Desk.NewIssuerAsync(hub);
        (await Desk.RegisterAsync(hub, issuer, TestCertificates.Pem(TestCertificates.Ecdsa))).StatusCode.ShouldBe(HttpStatusCode.Created);
        var (_, hook) = await hub.SubscribeAsync(["43"]);
        using (var asXml = await hub.SendAsAdminAsync(HttpMethod.Post, "/api/v1/subscribers",
                   new { name = "app", kind = "app", url = hub.Sink.Url(hook + "-xml"), areaCodes = new[] { "43" }, format = "notice-xml" }))
            asXml.StatusCode.ShouldBe(HttpStatusCode.Created);

        var signedByIssuer = Desk.Signed(Desk.Cap(), TestCertificates.Ecdsa);
        var (status, receipt) = await Desk.SubmitAsync(hub, key, signedByIssuer);
        status.ShouldBe(HttpStatusCode.Accepted, receipt.ToString());
        var cap = receipt.GetProperty("id").GetString()!;
        var (_, nativeReceipt) = await Desk.SubmitAsync(hub, key, Desk.Native(), "application/vnd.alert-hub.notice+xml");
        var native = nativeReceipt.GetProperty("id").GetString()!;

        // The CAP served and fed is the hub's word, signed by the hub; the issuer's signature is replaced, not kept beside it.
        var served = await hub.Client.GetByteArrayAsync($"/api/v1/notices/{cap}/revisions/1/cap");
        ShouldBeSignedByTheHub(served);
        XmlSignatures.Verify(served, [TestCertificates.Public(TestCertificates.Ecdsa)], DateTimeOffset.UtcNow).Problems
            .ShouldHaveSingleItem().Code.ShouldBe("signature.unknown-certificate");
        CapReader.Read(new MemoryStream(served)).Alert.ShouldNotBeNull().Identifier.ShouldBe(CapReader.Read(signedByIssuer).Alert!.Identifier);
        using var source = await hub.SendAsync(HttpMethod.Get, $"/api/v1/notices/{cap}/revisions/1/source", null, key);
        (await source.Content.ReadAsStringAsync()).ShouldBe(signedByIssuer);

        ShouldBeSignedByTheHub(await hub.Client.GetByteArrayAsync($"/api/v1/notices/{native}/revisions/1/cap"));
        ShouldBeSignedByTheHub(await hub.Client.GetByteArrayAsync($"/api/v1/notices/{native}/revisions/1/notice.xml"));

        // Webhooks: the stored CAP, and XML written for the subscriber.
        ShouldBeSignedByTheHub((await hub.Sink.WaitForDocumentAsync(hook, native)).Bytes);
        ShouldBeSignedByTheHub((await hub.Sink.WaitForDocumentAsync(hook + "-xml", native)).Bytes);

        // Receivers can fetch the certificate to check against.
        var pem = await hub.Client.GetStringAsync("/api/v1/signatures/hub-certificate");
        X509Certificate2.CreateFromPem(pem).RawData.ShouldBe(SigningHub.Key.RawData);
    }
}
