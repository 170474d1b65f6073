using Alert.Core;
using Alert.Core.Cap;
using Alert.Core.Codes;
using Alert.Core.Notices;
using Alert.Geo;
using Alert.Hub.Auth;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Alert.Hub.Intake;

/// <summary>An area a notice names or draws, where it does so, and how it was given (the code, or the shape's municipality).</summary>
internal sealed record NamedArea(Area Area, SourceLocation At, string Label);

/// <summary>
/// Who may speak for what. Evacuation information is the mayor's to issue (災害対策基本法 第60条), the governor's only
/// in the mayor's place (同条第6項, 代行): so a municipality issues for its own area, a prefecture for itself and as
/// 代行 for one of its municipalities at a time, a lifeline operator only lifeline notices in its service area, a
/// national body anything but evacuation information. The notice names whom it speaks for: the native envelope's
/// issuer code, or <c>?issuerCode=</c> for CAP and CSV (by default the key's own area).
/// </summary>
internal static class IssuerScope
{
    public const string EnvelopePath = "/notice/envelope/issuer/@code";

    /// <summary>
    /// The municipality a prefecture speaks for as 代行 (null when the issuer speaks for itself), or the refusal with
    /// every problem found. Admins check notices (validate) but never issue, so they are not limited here.
    /// </summary>
    public static (string? ProxyFor, ProblemHttpResult? Refusal) Check(Identity issuer, string? issuerCode, string codePath,
        CapAlert cap, string categoryPath, IReadOnlyList<NamedArea> named, Gazetteer gazetteer)
    {
        if (issuer.Role != Roles.Issuer) return (null, null);
        // CAP from a desk's own system marks evacuation information by its event (避難指示 …) or level, not by the hub's eventCode.
        var categories = cap.Infos
            .Select(i => Evacuation.ParseLevel(i.Event) is not null || NoticeCap.Level(i) is not null ? "evacuation" : NoticeCap.Category(i)).ToHashSet();
        var problems = new List<Problem>();
        Area? Find(string? code) => code is not null && LocalGovernmentCode.TryParse(code, out var c, out _) ? gazetteer.Find(c) : null;
        var home = Find(issuer.AreaCode);
        IReadOnlySet<string> homeParts = home?.PartCodeSet ?? new HashSet<string>();
        var speaksFor = issuerCode is null ? home : Find(issuerCode);
        string? proxyFor = null;
        IReadOnlySet<string>? own; // null: all of Japan

        void Refuse(string code, string ja, string en, string? at = null) => problems.Add(new Problem(code, at ?? codePath, null, null, ja, en));
        void Mismatch() => Refuse("notice.issuer.mismatch",
            $"発信者コード「{issuerCode}」はこのキーの発信者（{issuer.Name}）のものではありません。",
            $"Issuer code '{issuerCode}' is not that of this key's issuer ({issuer.Name}).");

        switch (issuer.Kind)
        {
            case IssuerKinds.Municipality:
                if (issuerCode is not null && speaksFor?.Code != home?.Code) Mismatch();
                own = homeParts;
                break;
            case IssuerKinds.Prefecture:
                if (speaksFor is null || home is null || !speaksFor.PartCodes.All(homeParts.Contains))
                {
                    Mismatch();
                    own = homeParts;
                }
                else if (speaksFor.Code == home.Code)
                {
                    own = homeParts;
                    if (categories.Contains("evacuation"))
                        Refuse("notice.proxy.required",
                            $"{issuer.Name}が避難情報を発信できるのは市町村の代行としてのみです。代行する市町村のコードを発信者コードにしてください。",
                            $"{issuer.Name} issues evacuation information only on behalf of a municipality (代行): give that municipality's code as the issuer code.");
                }
                else
                {
                    proxyFor = LocalGovernmentCode.Parse(speaksFor.Code).WithCheckDigit;
                    own = speaksFor.PartCodeSet;
                }
                break;
            case IssuerKinds.Lifeline:
                own = issuer.Areas.Select(Find).OfType<Area>().SelectMany(a => a.PartCodes).ToHashSet();
                if (issuerCode is not null && (speaksFor is null || !speaksFor.PartCodes.All(own.Contains))) Mismatch();
                if (categories.Any(c => c != "lifeline"))
                    Refuse("notice.category.not-allowed",
                        $"{issuer.Name}（ライフライン事業者）が発信できるのはライフライン情報だけです。",
                        $"{issuer.Name} (a lifeline operator) may issue lifeline notices only.", categoryPath);
                break;
            case IssuerKinds.National:
                own = null;
                if (categories.Contains("evacuation"))
                    Refuse("notice.category.not-allowed",
                        $"避難情報は市町村長（代行の場合は知事）が発信します。{issuer.Name}は発信できません。",
                        $"Evacuation information is issued by the mayor (or the governor on the mayor's behalf); {issuer.Name} may not issue it.", categoryPath);
                break;
            default:
                // An issuer of no known kind speaks for nowhere: the check fails closed.
                own = new HashSet<string>();
                break;
        }

        // Each municipality once, where it first came up: drawn shapes can name the same ones many times over.
        if (own is not null)
            problems.AddRange(named.Where(n => !n.Area.PartCodes.All(own.Contains)).DistinctBy(n => n.Area.Code)
                .Select(n => Problem.At("notice.out-of-scope", n.At,
                    $"{n.Area.Name}（{n.Label}）は {speaksFor?.Name ?? issuer.Name} の担当区域外です。",
                    $"{n.Area.Name} ({n.Label}) is outside the area of {speaksFor?.Name ?? issuer.Name}.")));

        if (problems.Count == 0) return (proxyFor, null);
        var first = problems[0].Code;
        return (null, first == "notice.out-of-scope"
            ? HubProblems.Result(StatusCodes.Status403Forbidden, first, "発信者の担当区域外の地域が含まれています。", "The notice covers areas outside the issuer's own.", problems)
            : HubProblems.Result(StatusCodes.Status403Forbidden, first, "このキーの発信者はこの情報を発信できません。", "This key's issuer may not issue this notice.", problems));
    }

    /// <summary>
    /// Whether a desk looks after <paramref name="area"/>: a municipality's desk its own area, a prefecture's desk its
    /// municipalities (代行). Sensor stations and field reports are a desk's work, not a lifeline operator's.
    /// </summary>
    public static bool LooksAfter(Identity desk, Area area, Gazetteer gazetteer) =>
        desk.Kind is IssuerKinds.Municipality or IssuerKinds.Prefecture && desk.AreaCode is not null
        && gazetteer.Find(LocalGovernmentCode.Parse(desk.AreaCode)) is { } home && area.PartCodes.All(home.HasPart);
}
