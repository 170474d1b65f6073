using System.Security.Claims;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Alert.Hub.Audit;
using Alert.Hub.Auth;
using Alert.Hub.Storage;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Alert.Hub.Signatures;

/// <summary>
/// Issuers' certificates and whether they must sign (admin), the hub's own signing certificate (public), and a
/// revision's source exactly as received, so that its signature can be checked again later.
/// </summary>
public static class SignaturesApi
{
    private const int MaxPemBytes = 64 * 1024;

    public static IServiceCollection AddSignatures(this IServiceCollection services)
    {
        services.AddOptions<SigningOptions>().BindConfiguration(SigningOptions.Section)
            .Validate(o => HubSigner.Load(o) is var _, "the signing certificate cannot be read").ValidateOnStart();
        return services.AddSingleton<HubSigner>().AddSingleton<IssuerCertificates>();
    }

    public static IEndpointRouteBuilder MapSignatures(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/v1/admin/identities/{id}").WithTags("Signatures").RequireAuthorization(Roles.Admin).AuditChanges();
        admin.MapGet("/certificates", async (string id, IssuerCertificates register) =>
            await register.FindAsync(id) is { } found ? TypedResults.Ok(found) : (IResult)UnknownIdentity(id));
        admin.MapPost("/certificates", Register);
        admin.MapDelete("/certificates/{thumbprint}", async (string id, string thumbprint, IssuerCertificates register) =>
            await register.DeleteAsync(id, thumbprint) ? TypedResults.NoContent()
                : (IResult)HubProblems.One(StatusCodes.Status404NotFound, "certificate.not-found",
                    $"{id} に SHA-256 {thumbprint} の証明書は登録されていません。", $"No certificate with SHA-256 {thumbprint} is registered for {id}."));
        admin.MapPut("/signatures", Require);

        app.MapGet("/api/v1/signatures/hub-certificate", (HubSigner signer) => signer.Certificate is { } certificate
            ? TypedResults.Text(certificate.ExportCertificatePem(), "application/x-pem-file")
            : (IResult)HubProblems.One(StatusCodes.Status404NotFound, "signature.hub-unsigned",
                "このハブは出力に署名していません。", "This hub does not sign what it sends."));
        app.MapGet("/api/v1/notices/{id}/revisions/{revision:int}/source", Source).WithTags("Notices")
            .RequireAuthorization(p => p.RequireRole(Roles.Issuer, Roles.Admin));
        return app;
    }

    /// <summary>One certificate in PEM (application/x-pem-file or text/plain), public part only.</summary>
    private static async Task<IResult> Register(string id, HttpRequest request, IssuerCertificates register, CancellationToken ct)
    {
        var media = request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        if (media is not ("application/x-pem-file" or "text/plain"))
            return HubProblems.One(StatusCodes.Status415UnsupportedMediaType, "request.content-type",
                "証明書は PEM（Content-Type: application/x-pem-file または text/plain）で送ってください。",
                "Send the certificate as PEM (Content-Type: application/x-pem-file or text/plain).");
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, ct);
        if (buffer.Length > MaxPemBytes)
            return HubProblems.One(StatusCodes.Status413PayloadTooLarge, "request.too-large",
                $"本文が大きすぎます（上限 {MaxPemBytes:N0} バイト）。", $"The body is too large (limit {MaxPemBytes:N0} bytes).");

        var pem = Encoding.UTF8.GetString(buffer.ToArray());
        // The key never leaves the desk: one sent by mistake is refused, not stored, and should be replaced.
        if (pem.Contains("PRIVATE KEY", StringComparison.Ordinal))
            return Invalid("certificate.private-key", "秘密鍵が含まれています。秘密鍵は送らず、証明書だけを送ってください（送ってしまった鍵は交換してください）。",
                "The body holds a private key: send the certificate only (and replace a key that was sent).");
        var blocks = new List<byte[]>();
        for (var rest = pem.AsSpan(); PemEncoding.TryFind(rest, out var fields); rest = rest[fields.Location.End..])
        {
            if (rest[fields.Label].SequenceEqual("CERTIFICATE")) blocks.Add(Convert.FromBase64String(rest[fields.Base64Data].ToString()));
        }
        X509Certificate2 certificate;
        try
        {
            if (blocks.Count != 1) throw new CryptographicException($"{blocks.Count} certificates");
            certificate = X509CertificateLoader.LoadCertificate(blocks[0]);
        }
        catch (CryptographicException)
        {
            return Invalid("certificate.malformed", "PEM の証明書（-----BEGIN CERTIFICATE-----）を 1 つだけ送ってください。",
                "Send exactly one PEM certificate (-----BEGIN CERTIFICATE-----).");
        }
        using (certificate)
        {
            if (certificate.NotAfter.ToUniversalTime() < DateTime.UtcNow)
                return Invalid("certificate.expired", $"証明書の有効期限（{certificate.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm} UTC）が切れています。",
                    $"The certificate expired at {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm} UTC.");
            using var rsa = certificate.GetRSAPublicKey();
            using var ecdsa = certificate.GetECDsaPublicKey();
            if ((rsa is null || rsa.KeySize < 2048) && ecdsa is null)
                return Invalid("certificate.key-unsupported", "証明書の鍵は RSA（2048 ビット以上）か ECDSA にしてください。",
                    "The certificate's key must be RSA (2048 bits or more) or ECDSA.");
            return await register.AddAsync(id, certificate) switch
            {
                null => UnknownIdentity(id),
                ({ } row, true) => TypedResults.Created($"/api/v1/admin/identities/{id}/certificates/{row.Sha256}", row),
                ({ } row, false) => TypedResults.Ok(row),
            };
        }
    }

    public sealed record RequireRequest(bool? Required);

    private static async Task<IResult> Require(string id, HttpRequest request, IssuerCertificates register)
    {
        RequireRequest? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<RequireRequest>(request.Body, JsonSerializerOptions.Web);
        }
        catch (JsonException)
        {
            body = null;
        }
        if (body?.Required is not { } required)
            return HubProblems.One(StatusCodes.Status400BadRequest, "request.json",
                "本文は {\"required\": true} または {\"required\": false} にしてください。", "Send {\"required\": true} or {\"required\": false}.", "$.required");
        return await register.SetRequiredAsync(id, required) ? TypedResults.Ok(new { identityId = id, required }) : UnknownIdentity(id);
    }

    /// <summary>The revision as received, byte for byte: a signed document can be verified again at any time.</summary>
    private static async Task<IResult> Source(string id, int revision, ClaimsPrincipal user, Db db)
    {
        await using var connection = await db.OpenAsync();
        var row = await connection.QuerySingleOrDefaultAsync<(string IssuerId, string SourceType, byte[] SourceBody)>("""
            SELECT d.issuer_id, n.source_type, n.source_body FROM notices n JOIN documents d ON d.id = n.document_id
            WHERE n.document_id = @id AND n.revision = @revision
            """, new { id, revision });
        var caller = Identity.From(user);
        if (row.IssuerId is null || (caller.Role != Roles.Admin && row.IssuerId != caller.Id))
            return Intake.NoticesApi.NotFound(id);
        return TypedResults.Bytes(row.SourceBody, row.SourceType switch
        {
            "cap" => "application/cap+xml",
            "notice-xml" => "application/vnd.alert-hub.notice+xml",
            "notice-json" => "application/vnd.alert-hub.notice+json",
            _ => "text/csv",
        });
    }

    private static ProblemHttpResult Invalid(string code, string ja, string en) => HubProblems.One(StatusCodes.Status422UnprocessableEntity, code, ja, en);

    private static ProblemHttpResult UnknownIdentity(string id) => HubProblems.One(StatusCodes.Status404NotFound, "identity.not-found",
        $"ID「{id}」の発信者・利用者は登録されていません。", $"No identity '{id}' is registered.");
}
