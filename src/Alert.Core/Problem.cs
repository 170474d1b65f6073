namespace Alert.Core;

/// <summary>
/// One thing wrong with what an issuer sent: a stable code to program against, where it is, and what to do,
/// in Japanese first (the desk's language) and English.
/// </summary>
public sealed record Problem(string Code, string? Path, int? Line, int? Column, string Ja, string En)
{
    public static Problem At(string code, SourceLocation? at, string ja, string en) =>
        new(code, at?.Path, at?.Line, at?.Column, ja, en);
}

/// <summary>Where something stands in the document the issuer sent: an XPath-like path and its line.</summary>
public sealed record SourceLocation(string Path, int? Line, int? Column);
