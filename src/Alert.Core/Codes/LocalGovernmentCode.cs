using System.Text;

namespace Alert.Core.Codes;

/// <summary>
/// 全国地方公共団体コード: a prefecture ("43") or a municipality or ward ("43100"), kept without its check digit.
/// Input may carry the check digit (6 digits), which is then verified; data from the field often drops it.
/// </summary>
public readonly record struct LocalGovernmentCode
{
    private LocalGovernmentCode(string value) => Value = value;

    /// <summary>"43" for a prefecture, five digits for a municipality or ward.</summary>
    public string Value { get; }

    public bool IsPrefecture => Value.Length == 2;

    public string PrefectureCode => Value[..2];

    /// <summary>The six-digit form with check digit (熊本県 430005, 熊本市 431001).</summary>
    public string WithCheckDigit
    {
        get
        {
            var five = IsPrefecture ? Value + "000" : Value;
            return five + CheckDigit(five);
        }
    }

    public override string ToString() => Value;

    public static LocalGovernmentCode Prefecture(int number) => new(number.ToString("00", System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Weights 6,5,4,3,2 over the five digits; r = sum mod 11; digit = (11 − r) mod 10.</summary>
    public static char CheckDigit(string fiveDigits)
    {
        int[] weights = [6, 5, 4, 3, 2];
        var sum = 0;
        for (var i = 0; i < 5; i++) sum += (fiveDigits[i] - '0') * weights[i];
        return (char)('0' + (11 - sum % 11) % 10);
    }

    /// <summary>Parses 2, 5 or 6 digits (full-width digits are folded). On failure, says why in both languages.</summary>
    public static bool TryParse(string? text, out LocalGovernmentCode code, out (string Code, string Ja, string En) error)
    {
        code = default;
        error = default;
        var digits = (text ?? "").Trim().Normalize(NormalizationForm.FormKC);
        if (digits.Length is not (2 or 5 or 6) || !digits.All(char.IsAsciiDigit))
        {
            error = ("code.format",
                $"地方公共団体コード「{text}」の形式が正しくありません。都道府県は2桁、市区町村は5桁または検査数字付きの6桁で指定してください。",
                $"Local government code '{text}' is malformed: use 2 digits for a prefecture, 5 digits, or 6 with the check digit, for a municipality.");
            return false;
        }

        if (digits.Length == 6)
        {
            var expected = CheckDigit(digits);
            if (digits[5] != expected)
            {
                error = ("code.check-digit",
                    $"地方公共団体コード「{digits}」の検査数字が正しくありません（正しくは {digits[..5]}{expected}）。コードを確認してください。",
                    $"Check digit of local government code '{digits}' is wrong (expected {digits[..5]}{expected}); check the code.");
                return false;
            }
            digits = digits[..5];
        }

        var prefecture = int.Parse(digits[..2], System.Globalization.CultureInfo.InvariantCulture);
        if (prefecture is < 1 or > 47)
        {
            error = ("code.prefecture",
                $"地方公共団体コード「{text}」の都道府県番号 {digits[..2]} は存在しません（01〜47）。",
                $"Local government code '{text}' names prefecture {digits[..2]}, which does not exist (01–47).");
            return false;
        }

        // 43000 is the five-digit form of the prefecture itself (熊本県 430005).
        code = new LocalGovernmentCode(digits.Length == 2 || digits[2..] == "000" ? digits[..2] : digits);
        return true;
    }

    public static LocalGovernmentCode Parse(string text) =>
        TryParse(text, out var code, out var error) ? code : throw new FormatException(error.En);
}
