using System.Text;
using Alert.Core.Cap;
using Alert.Hub.Intake;
using Shouldly;

namespace Alert.Hub.Tests;

/// <summary>Stored CAP is parsed once per process, by its content, and only so many are kept.</summary>
public class StoredCapsTests
{
    private static byte[] Stored(string identifier) =>
        Encoding.UTF8.GetBytes(CapWriter.Write(CapWriter.EvacuationOrder(identifier, "431010", "熊本市", DateTimeOffset.Now)));

    [Fact]
    public void The_same_document_is_parsed_once_even_from_other_bytes_with_the_same_content()
    {
        var cap = Stored($"stored-{Guid.NewGuid():N}");

        var first = StoredCaps.Read(cap);

        first.ShouldNotBeNull();
        StoredCaps.Read(cap).ShouldBeSameAs(first);
        StoredCaps.Read(cap.ToArray()).ShouldBeSameAs(first); // as read again from the database: a new array
    }

    [Fact]
    public void Two_documents_are_never_mixed_up()
    {
        var (one, other) = ($"stored-{Guid.NewGuid():N}", $"stored-{Guid.NewGuid():N}");

        StoredCaps.Read(Stored(one))!.Identifier.ShouldBe(one);
        StoredCaps.Read(Stored(other))!.Identifier.ShouldBe(other);
        StoredCaps.Read(Stored(one))!.Identifier.ShouldBe(one);
    }

    [Fact]
    public void A_document_that_no_longer_reads_gives_nothing_each_time()
    {
        var garbage = "not a CAP document"u8.ToArray();

        StoredCaps.Read(garbage).ShouldBeNull();
        StoredCaps.Read(garbage).ShouldBeNull();
    }

    [Fact]
    public void Only_the_most_recent_are_kept()
    {
        var cap = Stored($"stored-{Guid.NewGuid():N}");
        var first = StoredCaps.Read(cap);

        for (var i = 0; i < StoredCaps.Kept; i++) StoredCaps.Read(Stored($"stored-{Guid.NewGuid():N}"));

        var again = StoredCaps.Read(cap);
        again.ShouldNotBeSameAs(first); // parsed anew: the first had been let go
        again!.Identifier.ShouldBe(first!.Identifier); // and reads the same
    }
}
