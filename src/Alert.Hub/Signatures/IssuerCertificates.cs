using System.Security.Cryptography.X509Certificates;
using Alert.Core;
using Alert.Core.Xml;
using Alert.Hub.Auth;
using Alert.Hub.Storage;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Alert.Hub.Signatures;

public sealed record IssuerCertificate
{
    public required string Sha256 { get; init; }
    public required string Subject { get; init; }
    public required DateTimeOffset NotBefore { get; init; }
    public required DateTimeOffset NotAfter { get; init; }
    public required DateTimeOffset AddedAt { get; init; }
}

/// <summary>An identity's signature settings: whether every notice must come signed, and the certificates it signs with.</summary>
public sealed record IssuerSignatures(string IdentityId, bool Required, IReadOnlyList<IssuerCertificate> Certificates);

/// <summary>
/// The register of who may sign for an issuer (issuer_certificates, identities.require_signature), and the intake's
/// check of a notice's signature against it.
/// </summary>
public sealed class IssuerCertificates(Db db)
{
    /// <summary>Null when there is no such identity.</summary>
    public async Task<IssuerSignatures?> FindAsync(string identityId)
    {
        await using var connection = await db.OpenAsync();
        var required = await connection.ExecuteScalarAsync<int?>("SELECT require_signature FROM identities WHERE id = @identityId", new { identityId });
        if (required is null) return null;
        var certificates = await connection.QueryAsync<IssuerCertificate>("""
            SELECT sha256, subject, not_before AS notbefore, not_after AS notafter, added_at AS addedat
            FROM issuer_certificates WHERE identity_id = @identityId ORDER BY added_at, sha256
            """, new { identityId });
        return new IssuerSignatures(identityId, required == 1, certificates.ToList());
    }

    /// <summary>Registers a certificate (public part only); null when there is no such identity, false when it was registered already.</summary>
    public async Task<(IssuerCertificate Certificate, bool Added)?> AddAsync(string identityId, X509Certificate2 certificate)
    {
        await using var connection = await db.OpenAsync();
        if (await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM identities WHERE id = @identityId", new { identityId }) == 0) return null;
        var row = new IssuerCertificate
        {
            Sha256 = XmlSignatures.Thumbprint(certificate),
            Subject = certificate.Subject,
            NotBefore = new DateTimeOffset(certificate.NotBefore.ToUniversalTime()),
            NotAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime()),
            AddedAt = DateTimeOffset.UtcNow,
        };
        var added = await connection.ExecuteAsync("""
            INSERT INTO issuer_certificates (identity_id, sha256, subject, not_before, not_after, der, added_at)
            VALUES (@identityId, @Sha256, @Subject, @NotBefore, @NotAfter, @der, @AddedAt)
            ON CONFLICT (identity_id, sha256) DO NOTHING
            """, new { identityId, row.Sha256, row.Subject, row.NotBefore, row.NotAfter, der = certificate.RawData, row.AddedAt });
        return (row, added == 1);
    }

    public async Task<bool> DeleteAsync(string identityId, string sha256)
    {
        await using var connection = await db.OpenAsync();
        return await connection.ExecuteAsync("DELETE FROM issuer_certificates WHERE identity_id = @identityId AND sha256 = @sha256",
            new { identityId, sha256 = sha256.ToLowerInvariant() }) == 1;
    }

    /// <summary>False when there is no such identity.</summary>
    public async Task<bool> SetRequiredAsync(string identityId, bool required)
    {
        await using var connection = await db.OpenAsync();
        return await connection.ExecuteAsync("UPDATE identities SET require_signature = @flag WHERE id = @identityId",
            new { identityId, flag = required ? 1 : 0 }) == 1;
    }

    /// <summary>
    /// Intake's check, after the body was read and found valid: a signed CAP or native XML body must verify with one of
    /// the issuer's certificates; an issuer that requires signatures sends nothing unsigned (JSON and CSV cannot be
    /// signed). The answer is the certificate's thumbprint when signed, or the refusal with every problem found.
    /// </summary>
    public async Task<(string? SignedWith, ProblemHttpResult? Refusal)> CheckAsync(string format, byte[] body, Identity issuer, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        // One round trip: the setting with each certificate (or with none).
        var rows = (await connection.QueryAsync<(int Required, byte[]? Der)>("""
            SELECT i.require_signature, c.der FROM identities i LEFT JOIN issuer_certificates c ON c.identity_id = i.id WHERE i.id = @Id
            """, new { issuer.Id })).ToList();
        var required = rows.Any(r => r.Required == 1);
        if (format is not ("cap" or "notice-xml"))
            return (null, required ? Refused([Required(issuer, "$",
                "JSON と CSV は署名を運べません。登録した証明書で署名した CAP か通知 XML で送ってください。",
                "JSON and CSV cannot carry a signature: send CAP or native XML signed with a registered certificate.")]) : null);

        var certificates = rows.Where(r => r.Der is not null).Select(r => X509CertificateLoader.LoadCertificate(r.Der!)).ToList();
        var verdict = XmlSignatures.Verify(body, certificates, DateTimeOffset.UtcNow);
        return verdict.State switch
        {
            SignatureState.Valid => (verdict.Certificate, null),
            SignatureState.NotSigned when required => (null, Refused([Required(issuer, "/",
                "登録した証明書で文書全体に署名し（enveloped XML-DSig）、署名をルート要素の最後に置いて送ってください。",
                "Sign the whole document with a registered certificate (enveloped XML-DSig), the signature last in the root element.")])),
            SignatureState.NotSigned => (null, null),
            _ => (null, Refused(verdict.Problems)),
        };
    }

    private static Problem Required(Identity issuer, string path, string ja, string en) => new("signature.required", path, null, null,
        $"{issuer.Name} の情報には XML 署名が必要です。{ja}", $"Notices of {issuer.Name} must be signed. {en}");

    // 403 rather than 422: the notice itself may be sound; what fails is the proof that this issuer sent it.
    private static ProblemHttpResult Refused(IEnumerable<Problem> problems) => HubProblems.Result(StatusCodes.Status403Forbidden, "signature.refused",
        "署名によって発信者を確認できません。各項目を確認してください。", "The signature does not show that this issuer sent the notice; see each error.", problems);
}
