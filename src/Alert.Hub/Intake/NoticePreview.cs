using System.Security.Claims;
using System.Text;
using Alert.Geo;
using Alert.Hub.Auth;
using Alert.Hub.Delivery;
using Alert.Hub.Signatures;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Alert.Hub.Intake;

/// <summary>What each kind of receiver would be sent: TV (CAP, Japanese and English infos), apps (native JSON), signage (short text).</summary>
public sealed record Renderings(string Cap, string Json, string Text, string TextEn);

public sealed record PreviewReport(bool Valid, IReadOnlyList<HubProblems.ProblemEntry> Errors, IReadOnlyList<HubProblems.ProblemEntry> Warnings,
    Renderings? Renderings);

public static partial class NoticesApi
{
    /// <summary>
    /// The desk's last look before sending: the checks of the intake (as <c>/validate</c>) and, when they pass, the bodies
    /// webhook delivery would write from it, by the same code. Nothing is stored or sent.
    /// </summary>
    internal static async Task<Results<Ok<PreviewReport>, ProblemHttpResult>> Preview(
        HttpRequest request, ClaimsPrincipal user, Gazetteer gazetteer, TownIndex towns, Addresses addresses, IssuerCertificates signatures,
        IOptions<HubOptions> options, CancellationToken ct)
    {
        var (format, body, refusal) = await ReadAsync(request, options.Value, ct);
        if (refusal is not null) return refusal;
        var (accepted, errors, warnings) = await DryRunAsync(format!, body!, Identity.From(user), gazetteer, towns, addresses, signatures, request.Query, ct);
        if (accepted is null) return TypedResults.Ok(new PreviewReport(false, errors, warnings, null));

        // The CAP as stored (a native notice's is written by the hub), then each form as a subscriber asking for it gets it.
        var cap = accepted.Submission.WriteCap is { } write ? write(null) : accepted.Submission.SourceBody;
        string Render(string form, string languages) => Encoding.UTF8.GetString(WebhookConsumer.Render(cap, form, languages).Body);
        return TypedResults.Ok(new PreviewReport(true, [], warnings,
            new Renderings(Render("cap", "ja,en"), Render("notice-json", ""), Render("text", "ja"), Render("text", "en"))));
    }
}
