using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using CsvHelper;

namespace Alert.Core.Csv;

/// <summary>Bounds on what one CSV upload may hold; past any of them the file is refused as a whole.</summary>
public sealed record CsvLimits(long MaxBytes, int MaxRows, int MaxCellsPerRow, int MaxCellChars, int MaxProblems)
{
    /// <summary>
    /// 20 MiB and 100,000 rows: the largest GSI list (a prefecture's, a few thousand sites) is well under 2 MiB.
    /// 100 cells a row and 10,000 characters a cell leave room for long 備考 and stop a row built to exhaust memory.
    /// 1,000 problems: past that the file is the wrong one, and listing more would only cost memory.
    /// </summary>
    public static readonly CsvLimits Default = new(20 * 1024 * 1024, 100_000, 100, 10_000, 1_000);

    /// <summary>
    /// A sheet that becomes a notice: 1,000 rows. The CAP written of it must read back within the XML bounds (SafeXml:
    /// 1,048,576 characters, 20,000 elements), and a district or lifeline row with a code writes some 500 characters and
    /// 10 elements of it (a shelter row 180 characters): 1,000 rows leave room for long names, where 20,000 shelter rows
    /// wrote 3 MB. Intake still checks the CAP as written, which names that need escaping can swell.
    /// </summary>
    public static readonly CsvLimits Notice = Default with { MaxRows = 1_000 };

    internal Problem TooManyProblems(int line) => new("csv.limit.problems", null, line, null,
        $"誤りが多すぎるため {line} 行目で確認を打ち切りました（{MaxProblems:N0} 件まで表示）。ファイルの種類と列を確認してください。",
        $"Checking stopped at line {line}: more than {MaxProblems:N0} problems. Check that this is the right kind of file and its columns.");
}

/// <summary>A row whose every cell met the schema: its line in the file and its values by column name.</summary>
public sealed record CsvTableRow(int Line, IReadOnlyDictionary<string, object?> Values)
{
    public string? Text(string column) => (string?)Values[column];
    public long? WholeNumber(string column) => (long?)Values[column];
    public decimal? Number(string column) => (decimal?)Values[column];
    public bool Flag(string column) => Values[column] is true;
    public DateTimeOffset? Time(string column) => (DateTimeOffset?)Values[column];
}

/// <summary>
/// What reading a file against a schema gave: the good rows, the problems (a bad row's problems, and problems that
/// refuse the whole file, after which <see cref="Rows"/> is empty), and the encoding the bytes were read as.
/// </summary>
public sealed record CsvTable(IReadOnlyList<CsvTableRow> Rows, IReadOnlyList<Problem> Problems, string? Encoding, bool Refused);

/// <summary>
/// Reads a CSV file against a <see cref="CsvSchema"/>: detects the encoding, checks the header, then checks every
/// cell's datatype and facets, reporting each problem with the file's line number and going on to the next row.
/// </summary>
public static partial class CsvTableReader
{
    public const string Utf8 = "UTF-8";
    public const string Utf8Bom = "UTF-8 (BOM)";
    public const string ShiftJis = "Shift_JIS";

    // Code page 932 is Microsoft's Shift_JIS (with the NEC and IBM extensions such as ① and ㈱), which is what
    // Excel writes as "Shift_JIS". Taken from the provider directly: no process-wide registration needed.
    private static readonly Encoding ShiftJisStrict = CodePagesEncodingProvider.Instance.GetEncoding(932,
        EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback)!;

    public static CsvTable Read(Stream input, CsvSchema schema, CsvLimits? limits = null)
    {
        limits ??= CsvLimits.Default;
        var problems = new List<Problem>();
        CsvTable Refuse(string? encoding, Problem problem)
        {
            problems.Add(problem);
            return new CsvTable([], problems, encoding, Refused: true);
        }

        var bytes = ReadBounded(input, limits.MaxBytes);
        if (bytes is null)
            return Refuse(null, new Problem("csv.limit.bytes", null, null, null,
                $"ファイルが大きすぎます（{limits.MaxBytes:N0} バイトまで）。ファイルを分けて送ってください。",
                $"The file is too large (at most {limits.MaxBytes:N0} bytes); split it into several files."));

        var (utf8, encoding) = Decode(bytes);
        if (utf8 is null)
            return Refuse(null, new Problem("csv.encoding.invalid", null, null, null,
                "文字コードを判別できません。Excel の「CSV UTF-8（コンマ区切り）」または「CSV（コンマ区切り）」（Shift_JIS）で保存し直してください。",
                "The text encoding is not UTF-8 or Shift_JIS; save the file again from Excel as 'CSV UTF-8 (Comma delimited)' or 'CSV (Comma delimited)' (Shift_JIS)."));

        var options = CsvReaderOptions.Default with
        {
            Separator = ',',
            HasHeader = false, // the header is checked here, against the schema's titles
            TrackLineNumbers = true,
            SkipEmptyLines = true,
            MalformedData = CsvMalformedDataHandling.Skip,
            OnMalformedRecord = bad => problems.Add(BadQuote(bad)),
        };
        using var reader = CsvReader.Create(utf8, options);

        var hasHeader = reader.Read();
        if (problems.Count > 0) // the header itself had broken quoting: nothing after it can be placed
            return new CsvTable([], [problems[0] with { Path = "header" }], encoding, Refused: true);
        if (!hasHeader)
            return Refuse(encoding, HeaderProblem("csv.header.missing", null, 1,
                "ファイルが空です。1行目に見出し行が必要です。", "The file is empty; the first line must be the header."));

        var headerLine = (int)reader.LineNumber;
        if (reader.FieldCount > limits.MaxCellsPerRow) return Refuse(encoding, TooManyCells(limits, headerLine));
        var header = Enumerable.Range(0, reader.FieldCount).Select(reader.GetString).ToList();
        while (header.Count > 0 && header[^1].Trim().Length == 0) header.RemoveAt(header.Count - 1); // Excel's trailing blank columns
        if (header.Any(h => h.Length > limits.MaxCellChars)) return Refuse(encoding, CellTooLong(limits, headerLine, null));
        if (CheckHeader(header, schema, headerLine) is { Count: > 0 } headerProblems)
        {
            problems.AddRange(headerProblems);
            return new CsvTable([], problems, encoding, Refused: true);
        }

        var columns = schema.Columns;
        var rows = new List<CsvTableRow>();
        var rowCount = 0;
        var cells = new string[columns.Count];
        while (reader.Read())
        {
            var line = (int)reader.LineNumber;
            if (problems.Count > limits.MaxProblems) return TooManyProblems(line);
            if (++rowCount > limits.MaxRows)
                return Refuse(encoding, new Problem("csv.limit.rows", null, line, null,
                    $"行が多すぎます（{limits.MaxRows:N0} 行まで）。ファイルを分けて送ってください。",
                    $"Too many rows (at most {limits.MaxRows:N0}); split the file into several files."));
            if (reader.FieldCount > limits.MaxCellsPerRow) return Refuse(encoding, TooManyCells(limits, line));

            var rowProblems = problems.Count;
            var empty = true;
            var tooMany = false;
            for (var i = 0; i < reader.FieldCount; i++)
            {
                var cell = reader.GetString(i);
                if (cell.Length > limits.MaxCellChars) return Refuse(encoding, CellTooLong(limits, line, i < columns.Count ? columns[i] : null));
                if (cell.Trim().Length > 0) empty = false;
                if (i < cells.Length) cells[i] = cell;
                else if (cell.Trim().Length > 0 && !tooMany)
                {
                    tooMany = true;
                    problems.Add(new Problem("csv.row.too-many-cells", null, line, i + 1,
                        $"{line} 行目: 列が多すぎます（見出しは {columns.Count} 列、この行は {reader.FieldCount} 列）。値の中のコンマは \"…\" で囲んでください。",
                        $"Line {line}: too many cells (the header has {columns.Count}, this row {reader.FieldCount}); put a value containing a comma in \"quotes\"."));
                }
            }
            if (empty || tooMany) continue; // empty: rows of bare commas, as Excel leaves below a table; too many: the cells are shifted

            if (reader.FieldCount < columns.Count)
            {
                problems.Add(new Problem("csv.row.too-few-cells", null, line, null,
                    $"{line} 行目: 列が足りません（見出しは {columns.Count} 列、この行は {reader.FieldCount} 列）。空の値も「,」で区切って残してください。",
                    $"Line {line}: too few cells (the header has {columns.Count}, this row {reader.FieldCount}); keep a comma for each empty value."));
                continue;
            }

            var values = new Dictionary<string, object?>(columns.Count);
            for (var i = 0; i < columns.Count; i++)
            {
                if (CheckCell(columns[i], cells[i], line, i + 1, out var value) is { } problem) problems.Add(problem);
                values[columns[i].Name] = value;
            }
            if (problems.Count == rowProblems) rows.Add(new CsvTableRow(line, values));
        }

        return problems.Count > limits.MaxProblems ? TooManyProblems((int)reader.LineNumber) : new CsvTable(rows, problems, encoding, Refused: false);

        CsvTable TooManyProblems(int line) =>
            new([], [.. problems.Take(limits.MaxProblems), limits.TooManyProblems(line)], encoding, Refused: true);
    }

    /// <summary>The input up to the limit, or null past it (read no further than one byte beyond).</summary>
    private static byte[]? ReadBounded(Stream input, long maxBytes)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = input.Read(chunk, 0, (int)Math.Min(chunk.Length, maxBytes + 1 - buffer.Length))) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > maxBytes) return null;
        }
        return buffer.ToArray();
    }

    /// <summary>A BOM means UTF-8; bytes that are valid UTF-8 are UTF-8; anything else must be Shift_JIS.</summary>
    private static (byte[]? Utf8, string Encoding) Decode(byte[] bytes)
    {
        if (bytes.AsSpan().StartsWith((byte[])[0xEF, 0xBB, 0xBF])) return (bytes[3..], Utf8Bom);
        if (bytes.AsSpan().StartsWith((byte[])[0xFF, 0xFE]) || bytes.AsSpan().StartsWith((byte[])[0xFE, 0xFF])) return (null, "UTF-16");
        if (System.Text.Unicode.Utf8.IsValid(bytes)) return (bytes, Utf8);
        try
        {
            return (Encoding.UTF8.GetBytes(ShiftJisStrict.GetString(bytes)), ShiftJis);
        }
        catch (DecoderFallbackException)
        {
            return (null, "");
        }
    }

    private static List<Problem> CheckHeader(List<string> header, CsvSchema schema, int line)
    {
        var problems = new List<Problem>();
        var found = new Dictionary<CsvColumn, int>();
        for (var i = 0; i < header.Count; i++)
        {
            var text = Fold(header[i]);
            var column = schema.Columns.FirstOrDefault(c => c.Titles.Any(t => string.Equals(Fold(t), text, StringComparison.OrdinalIgnoreCase)));
            if (column is null)
                problems.Add(HeaderProblem("csv.header.unknown-column", i + 1, line,
                    $"見出しの {i + 1} 列目「{header[i]}」は{schema.Title}の列ではありません。使える見出し: {Titles(schema)}",
                    $"Header column {i + 1} '{header[i]}' is not a column of {schema.Title}. The columns are: {Titles(schema)}"));
            else if (!found.TryAdd(column, i))
                problems.Add(HeaderProblem("csv.header.duplicate-column", i + 1, line,
                    $"見出しの「{column.Title}」が2回あります（{found[column] + 1} 列目と {i + 1} 列目）。1つにしてください。",
                    $"Header column '{column.Title}' appears twice (columns {found[column] + 1} and {i + 1}); keep one."));
        }
        foreach (var missing in schema.Columns.Where(c => !found.ContainsKey(c)))
            problems.Add(HeaderProblem("csv.header.missing-column", null, line,
                $"見出しに「{missing.Title}」の列がありません。値が空でも列は残してください。",
                $"The header has no '{missing.Title}' column; keep the column even when its values are empty."));

        // GSI publishes one order and tools that read these lists by position expect it, so another order is refused.
        for (var i = 0; problems.Count == 0 && i < schema.Columns.Count; i++)
        {
            var column = schema.Columns[i];
            if (found[column] != i)
                problems.Add(HeaderProblem("csv.header.order", found[column] + 1, line,
                    $"列の順序が違います（「{column.Title}」は {i + 1} 列目です）。順序: {Titles(schema)}",
                    $"The columns are out of order ('{column.Title}' is column {i + 1}). The order is: {Titles(schema)}"));
        }
        return problems;
    }

    private static string Titles(CsvSchema schema) => string.Join(",", schema.Columns.Select(c => c.Title));

    /// <summary>Checks one cell against its column; returns the problem, or null with the typed value.</summary>
    private static Problem? CheckCell(CsvColumn column, string cell, int line, int position, out object? value)
    {
        value = null;
        var text = cell.Trim();
        if (text.Length == 0)
        {
            if (column.Required)
                return ValueProblem("csv.value.required", column, line, position,
                    $"{line} 行目「{column.Title}」が空です。必ず入力してください。",
                    $"Line {line}, '{column.Title}' is empty; it is required.");
            if (column.Datatype == "boolean" && column.FalseValue == "") value = false; // GSI: blank means no
            return null;
        }

        // Codes, numbers and times are compared folded (full-width digits and letters as ASCII); free text is kept as written.
        if (column.Datatype != "string" || column.Pattern is not null) text = Fold(text);

        if (column.Pattern is { } pattern && !pattern.IsMatch(text))
            return ValueProblem("csv.value.pattern", column, line, position,
                $"{line} 行目「{column.Title}」の「{cell}」は形式が正しくありません（{Describe(column)}）。",
                $"Line {line}, '{column.Title}': '{cell}' is not in the expected form ({Describe(column)}).");

        switch (column.Datatype)
        {
            case "string":
                if (text.Length < (column.MinLength ?? 0) || text.Length > (column.MaxLength ?? int.MaxValue))
                    return ValueProblem("csv.value.length", column, line, position,
                        $"{line} 行目「{column.Title}」は {column.MinLength ?? 0}〜{column.MaxLength} 文字にしてください（{text.Length} 文字あります）。",
                        $"Line {line}, '{column.Title}' must be {column.MinLength ?? 0} to {column.MaxLength} characters long (it has {text.Length}).");
                value = text;
                return null;

            case "integer" or "decimal":
                decimal number = 0;
                var parsed = column.Datatype == "integer"
                    ? IntegerRegex().IsMatch(text) && decimal.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out number)
                    : DecimalRegex().IsMatch(text) && decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out number);
                if (!parsed || (column.Datatype == "integer" && (number < long.MinValue || number > long.MaxValue)))
                    return ValueProblem("csv.value.not-a-number", column, line, position,
                        column.Datatype == "integer"
                            ? $"{line} 行目「{column.Title}」の「{cell}」は整数ではありません（桁区切りのコンマや単位は付けないでください）。"
                            : $"{line} 行目「{column.Title}」の「{cell}」は数値ではありません（例: 32.803200）。",
                        column.Datatype == "integer"
                            ? $"Line {line}, '{column.Title}': '{cell}' is not a whole number (no thousands separators or units)."
                            : $"Line {line}, '{column.Title}': '{cell}' is not a number (e.g. 32.803200).");
                if (number < (column.Minimum ?? decimal.MinValue) || number > (column.Maximum ?? decimal.MaxValue))
                    return ValueProblem("csv.value.out-of-range", column, line, position,
                        $"{line} 行目「{column.Title}」の {text} は範囲外です（{Range(column)}）。",
                        $"Line {line}, '{column.Title}': {text} is out of range ({Range(column)}).");
                value = column.Datatype == "integer" ? (object)(long)number : number; // decimal keeps every digit given, trailing zeros too
                return null;

            case "boolean":
                if (text == column.TrueValue || text == column.FalseValue)
                {
                    value = text == column.TrueValue;
                    return null;
                }
                return ValueProblem("csv.value.not-a-boolean", column, line, position,
                    $"{line} 行目「{column.Title}」の「{cell}」は使えません。該当する場合は「{column.TrueValue}」、しない場合は{(column.FalseValue == "" ? "空欄" : $"「{column.FalseValue}」")}にしてください。",
                    $"Line {line}, '{column.Title}': '{cell}' is not allowed; write '{column.TrueValue}' for yes and {(column.FalseValue == "" ? "leave it blank" : $"'{column.FalseValue}'")} for no.");

            default: // dateTime
                if (ParseTime(text) is { } time)
                {
                    value = time;
                    return null;
                }
                return ValueProblem("csv.value.not-a-datetime", column, line, position,
                    $"{line} 行目「{column.Title}」の「{cell}」は日時として読めません。例: 2026-07-01T03:00:00+09:00、2026-07-01 03:00、2026/7/1 3:00（時差がなければ日本時間）。",
                    $"Line {line}, '{column.Title}': '{cell}' is not a date and time. E.g. 2026-07-01T03:00:00+09:00, 2026-07-01 03:00 or 2026/7/1 3:00 (Japan time when no offset is given).");
        }
    }

    /// <summary>
    /// ISO 8601 with an offset, or a local date and time (- or / between date parts, T or a space before the time,
    /// as desks and Excel write them) read as Japan time. Seconds and fractions are optional.
    /// </summary>
    public static DateTimeOffset? ParseTime(string text)
    {
        var m = TimeRegex().Match(text.Trim());
        if (!m.Success) return null;
        int Part(string name) => m.Groups[name].Success ? int.Parse(m.Groups[name].Value, CultureInfo.InvariantCulture) : 0;
        var offset = JapanTime.Offset; // a time without an offset is Japan time, as desks and Excel write it
        if (m.Groups["z"].Success) offset = TimeSpan.Zero;
        else if (m.Groups["oh"].Success)
        {
            offset = new TimeSpan(Part("oh"), Part("om"), 0) * (m.Groups["sign"].Value == "-" ? -1 : 1);
            if (offset.Duration() > TimeSpan.FromHours(14)) return null;
        }
        try
        {
            var time = new DateTimeOffset(Part("y"), Part("mo"), Part("d"), Part("h"), Part("mi"), Part("s"), offset);
            return m.Groups["f"].Success
                ? time.AddTicks((long)(decimal.Parse("0" + m.Groups["f"].Value, CultureInfo.InvariantCulture) * TimeSpan.TicksPerSecond))
                : time;
        }
        catch (ArgumentOutOfRangeException) // 2026-02-30, 25:00
        {
            return null;
        }
    }

    private static string Fold(string text) => text.Normalize(NormalizationForm.FormKC).Trim();

    private static string Range(CsvColumn column) =>
        (column.Minimum, column.Maximum) switch
        {
            ({ } min, { } max) => $"{min}〜{max}",
            ({ } min, null) => $"{min} 以上 / at least {min}",
            (null, { } max) => $"{max} 以下 / at most {max}",
            _ => "",
        };

    private static string Describe(CsvColumn column) => column.Example is { } example ? $"例 / e.g. {example}" : column.Pattern!.ToString();

    private static Problem ValueProblem(string code, CsvColumn column, int line, int position, string ja, string en) =>
        new(code, column.Name, line, position, ja, en);

    private static Problem HeaderProblem(string code, int? position, int line, string ja, string en) =>
        new(code, "header", line, position, ja, en);

    private static Problem BadQuote(CsvMalformedRecord bad)
    {
        var line = (int)bad.LineNumber;
        return new Problem("csv.row.bad-quote", null, line, null,
            bad.Reason == CsvMalformedReason.UnterminatedQuote
                ? $"{line} 行目: 「\"」で始まる値が閉じられていません（ファイルの最後まで続いています）。値の終わりに「\"」を付けてください。"
                : $"{line} 行目: 「\"」の使い方が正しくありません。値の中の「\"」は「\"\"」と2つ重ね、値全体を「\"」で囲んでください。",
            bad.Reason == CsvMalformedReason.UnterminatedQuote
                ? $"Line {line}: a value opened with \" is never closed (it runs to the end of the file); close it with \"."
                : $"Line {line}: a quote (\") is misplaced; double a quote inside a value (\"\") and put the whole value in quotes.");
    }

    private static Problem TooManyCells(CsvLimits limits, int line) =>
        new("csv.limit.cells", null, line, null,
            $"{line} 行目の列が多すぎます（1行 {limits.MaxCellsPerRow} 列まで）。CSV ファイルか確認してください。",
            $"Line {line} has too many cells (at most {limits.MaxCellsPerRow} a row); check that this is the right CSV file.");

    private static Problem CellTooLong(CsvLimits limits, int line, CsvColumn? column) =>
        new("csv.limit.cell-length", column?.Name, line, null,
            $"{line} 行目に長すぎる値があります（1つの値は {limits.MaxCellChars:N0} 文字まで）。「\"」の閉じ忘れがないか確認してください。",
            $"Line {line} has a value that is too long (at most {limits.MaxCellChars:N0} characters); check for a missing closing quote (\").");

    [GeneratedRegex(@"^[+-]?[0-9]+$")]
    private static partial Regex IntegerRegex();

    // CSVW's decimal: no exponent, no thousands separators.
    [GeneratedRegex(@"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$")]
    private static partial Regex DecimalRegex();

    [GeneratedRegex(@"^(?<y>[0-9]{4})[-/](?<mo>[0-9]{1,2})[-/](?<d>[0-9]{1,2})[T ](?<h>[0-9]{1,2}):(?<mi>[0-9]{2})(:(?<s>[0-9]{2})(?<f>\.[0-9]{1,7})?)?((?<z>Z)|(?<sign>[+-])(?<oh>[0-9]{2}):(?<om>[0-9]{2}))?$")]
    private static partial Regex TimeRegex();
}
