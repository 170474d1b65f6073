using System.Text;
using Alert.Core.Csv;

namespace Alert.Core.Tests.Csv;

/// <summary>Each limit of <see cref="CsvLimits.Default"/> against a file built to break it: refused, with one clear problem.</summary>
public class CsvLimitTests
{
    private const string Header = "避難所ID,状況,避難者数,収容人数,更新日時\r\n";
    private const string Row = "E4310000000101,開設,125,400,2026-07-01T03:00:00+09:00\r\n";

    public sealed record Hostile(string Name, Func<CsvTable> Read);

    public static IEnumerable<Hostile> HostileInputs() =>
    [
        new("endless bytes", () => CsvTableReader.Read(new EndlessStream(), CsvSchema.ShelterStatus)),
        new("one row too many", () => Status(Header + string.Concat(Enumerable.Repeat(Row, CsvLimits.Default.MaxRows + 1)))),
        new("a row of a million cells", () => Status(Header + new string(',', 1_000_000) + "\r\n")),
        new("a cell of a million characters", () => Status(Header + "E4310000000101,開設,125,400," + new string('9', 1_000_000) + "\r\n")),
        new("a hundred thousand bad rows", () => Status(Header + string.Concat(Enumerable.Repeat("S1,開設,many,,yesterday\r\n", CsvLimits.Default.MaxRows)))),
    ];

    private static CsvTable Status(string csv) => CsvTableReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(csv)), CsvSchema.ShelterStatus);

    private static CsvTable Run(string name) => HostileInputs().Single(h => h.Name == name).Read();

    [Fact]
    public void An_endless_upload_is_refused_after_the_byte_limit_without_reading_on()
    {
        var stream = new EndlessStream();

        var table = CsvTableReader.Read(stream, CsvSchema.ShelterStatus);

        table.Problems.ShouldHaveSingleItem().Code.ShouldBe("csv.limit.bytes");
        table.Refused.ShouldBeTrue();
        table.Rows.ShouldBeEmpty();
        stream.Position.ShouldBeLessThanOrEqualTo(CsvLimits.Default.MaxBytes + 1);
        CsvLimits.Default.MaxBytes.ShouldBe(20 * 1024 * 1024);
    }

    [Fact]
    public void One_row_more_than_the_row_limit_refuses_the_file_at_that_line()
    {
        var table = Run("one row too many");

        var problem = table.Problems.ShouldHaveSingleItem();
        problem.Code.ShouldBe("csv.limit.rows");
        problem.Line.ShouldBe(CsvLimits.Default.MaxRows + 2);
        table.Rows.ShouldBeEmpty();
    }

    [Fact]
    public void Exactly_the_row_limit_is_accepted()
    {
        var table = Status(Header + string.Concat(Enumerable.Range(0, CsvLimits.Default.MaxRows).Select(i => $"S{i},開設,1,,2026-07-01 03:00\r\n")));

        table.Problems.ShouldBeEmpty();
        table.Rows.Count.ShouldBe(CsvLimits.Default.MaxRows);
    }

    [Fact]
    public void A_row_of_a_million_cells_is_refused()
    {
        var problem = Run("a row of a million cells").Problems.ShouldHaveSingleItem();

        problem.Code.ShouldBe("csv.limit.cells");
        problem.Line.ShouldBe(2);
    }

    [Fact]
    public void A_header_of_a_million_cells_is_refused()
    {
        var problem = Status(new string(',', 1_000_000)).Problems.ShouldHaveSingleItem();

        problem.Code.ShouldBe("csv.limit.cells");
        problem.Line.ShouldBe(1);
    }

    [Fact]
    public void A_cell_of_a_million_characters_is_refused()
    {
        var problem = Run("a cell of a million characters").Problems.ShouldHaveSingleItem();

        problem.Code.ShouldBe("csv.limit.cell-length");
        problem.Line.ShouldBe(2);
        problem.Path.ShouldBe("time");
    }

    [Fact]
    public void A_file_of_nothing_but_bad_rows_stops_at_the_problem_limit()
    {
        var table = Run("a hundred thousand bad rows");

        table.Problems.Count.ShouldBe(CsvLimits.Default.MaxProblems + 1);
        table.Problems[^1].Code.ShouldBe("csv.limit.problems");
        table.Problems[^1].Line.ShouldBe(CsvLimits.Default.MaxProblems / 2 + 3); // two problems a row; the first line left unchecked
        table.Refused.ShouldBeTrue();
    }

    [Fact]
    public void Rule_problems_count_towards_the_problem_limit_too()
    {
        var rows = string.Concat(Enumerable.Range(0, 50).Select(i => $"S{i},開店,1,,2026-07-01 03:00\r\n"));

        var result = CsvFormats.ReadShelterStatus(new MemoryStream(Encoding.UTF8.GetBytes(Header + rows)), CsvLimits.Default with { MaxProblems = 10 });

        result.Problems.Count.ShouldBe(11);
        result.Problems[^1].Code.ShouldBe("csv.limit.problems");
        result.Rows.ShouldBeEmpty();
    }

    [Fact]
    public void Smaller_limits_can_be_set_by_the_caller()
    {
        var table = CsvTableReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(Header + Row + Row.Replace("0101", "0102", StringComparison.Ordinal))),
            CsvSchema.ShelterStatus, CsvLimits.Default with { MaxRows = 1 });

        table.Problems.ShouldHaveSingleItem().Code.ShouldBe("csv.limit.rows");
    }

    /// <summary>An upload that never ends: it must not be read to the end.</summary>
    private sealed class EndlessStream : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get; set; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            buffer.AsSpan(offset, count).Fill((byte)'a');
            Position += count;
            return count;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
