using Alert.Core.Cap;

namespace Alert.Core.Tests;

public class CapReaderTests
{
    private static readonly string Valid = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "examples", "evacuation-order.xml"));

    [Fact]
    public void Reads_a_valid_evacuation_order()
    {
        var result = CapReader.Read(Valid);

        result.Problems.ShouldBeEmpty();
        var alert = result.Alert.ShouldNotBeNull();
        alert.Identifier.ShouldBe("431001-20260701-0001");
        alert.MsgType.ShouldBe("Alert");
        alert.Sent.ShouldBe(new DateTimeOffset(2026, 7, 1, 3, 0, 0, TimeSpan.FromHours(9)));
        alert.Infos.ShouldHaveSingleItem().Event.ShouldBe("避難指示");
        alert.Geocodes.ShouldHaveSingleItem().Value.ShouldBe("431001");
        alert.Title.ShouldBe("【警戒レベル4】熊本市 避難指示（洪水）");
    }

    [Fact]
    public void Missing_scope_is_reported_with_its_line_and_what_was_expected()
    {
        var result = CapReader.Read(Valid.Replace("  <scope>Public</scope>\n", ""));

        result.WellFormed.ShouldBeTrue();
        var problem = result.Problems.ShouldHaveSingleItem();
        problem.Code.ShouldBe("cap.schema.unexpected-element");
        problem.Path.ShouldBe("/alert/info");
        problem.Line.ShouldBe(8);
        problem.En.ShouldContain("Expected here: source, scope");
        problem.Ja.ShouldContain("scope");
    }

    [Fact]
    public void Wrong_element_order_is_reported()
    {
        var swapped = Valid.Replace(
            "  <sender>bousai@city.kumamoto.example</sender>\n  <sent>2026-07-01T03:00:00+09:00</sent>",
            "  <sent>2026-07-01T03:00:00+09:00</sent>\n  <sender>bousai@city.kumamoto.example</sender>");

        var problem = CapReader.Read(swapped).Problems.ShouldHaveSingleItem();

        problem.Code.ShouldBe("cap.schema.unexpected-element");
        problem.Path.ShouldBe("/alert/sent");
        problem.Line.ShouldBe(4);
        problem.En.ShouldContain("sender");
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var bad = Valid.Replace("<status>Actual</status>", "<status>Real</status>").Replace("431001", "431002");

        var problems = CapReader.Read(bad).Problems;

        problems.Select(p => p.Code).ShouldBe(["cap.schema.invalid-value", "code.check-digit"], ignoreOrder: true);
        problems.Single(p => p.Code == "code.check-digit").Path.ShouldBe("/alert/info/area/geocode/value");
        problems.Single(p => p.Code == "code.check-digit").Line.ShouldBe(23);
    }

    [Fact]
    public void A_document_with_a_DTD_is_refused_before_anything_is_read()
    {
        var withDtd = Valid.Replace("<alert ", "<!DOCTYPE alert [<!ENTITY x \"boom\">]>\n<alert ");

        var result = CapReader.Read(withDtd);

        result.WellFormed.ShouldBeFalse();
        var problem = result.Problems.ShouldHaveSingleItem();
        problem.Code.ShouldBe("xml.dtd");
        problem.Line.ShouldBe(2);
    }

    [Fact]
    public void Malformed_xml_gives_its_line()
    {
        var result = CapReader.Read(Valid.Replace("</event>", "</evnt>"));

        result.WellFormed.ShouldBeFalse();
        var problem = result.Problems.ShouldHaveSingleItem();
        problem.Code.ShouldBe("xml.malformed");
        problem.Line.ShouldBe(12);
    }

    [Fact]
    public void Another_namespace_is_not_cap()
    {
        var result = CapReader.Read(Valid.Replace("cap:1.2", "cap:1.1"));

        result.Problems.ShouldHaveSingleItem().Code.ShouldBe("cap.root");
    }

    [Fact]
    public void An_area_without_a_local_government_code_cannot_be_routed()
    {
        var noCode = Valid.Replace("<valueName>JISX0402</valueName>", "<valueName>SAME</valueName>");

        CapReader.Read(noCode).Problems.ShouldHaveSingleItem().Code.ShouldBe("cap.area.no-code");
    }

    [Fact]
    public void Update_without_references_is_refused()
    {
        var update = Valid.Replace("<msgType>Alert</msgType>", "<msgType>Update</msgType>");

        CapReader.Read(update).Problems.ShouldHaveSingleItem().Code.ShouldBe("cap.references.missing");
    }

    // An empty identifier or sender would make the notice impossible to update or cancel: references need all three parts.
    [Theory]
    [InlineData("<identifier>431001-20260701-0001</identifier>", "<identifier></identifier>", "cap.identifier.invalid", 3)]
    [InlineData("<identifier>431001-20260701-0001</identifier>", "<identifier/>", "cap.identifier.invalid", 3)]
    [InlineData("<sender>bousai@city.kumamoto.example</sender>", "<sender></sender>", "cap.sender.invalid", 4)]
    public void An_empty_identifier_or_sender_is_refused(string element, string empty, string code, int line)
    {
        var problem = CapReader.Read(Valid.Replace(element, empty, StringComparison.Ordinal)).Problems.ShouldHaveSingleItem();

        problem.Code.ShouldBe(code);
        problem.Line.ShouldBe(line);
        problem.En.ShouldContain("empty");
    }

    private static string WithLevel(string value) =>
        Valid.Replace("    <area>", $"    <parameter><valueName>EvacuationLevel</valueName><value>{value}</value></parameter>\n    <area>", StringComparison.Ordinal);

    // Receivers rank and show the level as it is (/api/v1/alerts, streams): only 3, 4 and 5 exist, as in the native format.
    [Theory]
    [InlineData("9")]
    [InlineData("0")]
    [InlineData("2")]
    [InlineData("-4")]
    [InlineData("4.0")]
    [InlineData(" 4")]
    [InlineData("four")]
    [InlineData("避難指示")]
    [InlineData("")]
    public void An_evacuation_level_parameter_that_is_not_3_4_or_5_is_refused(string value)
    {
        var problem = CapReader.Read(WithLevel(value)).Problems.ShouldHaveSingleItem();

        problem.Code.ShouldBe("evacuation.level.unknown");
        problem.Path.ShouldBe("/alert/info/parameter/value");
        problem.Line.ShouldBe(19);
    }

    [Fact]
    public void An_abolished_level_in_the_parameter_is_refused_with_the_explanation() =>
        CapReader.Read(WithLevel("避難勧告")).Problems.ShouldHaveSingleItem().Code.ShouldBe("evacuation.abolished-level");

    [Theory]
    [InlineData("3", 3)]
    [InlineData("4", 4)]
    [InlineData("5", 5)]
    public void An_evacuation_level_of_3_4_or_5_is_read(string value, int level) =>
        Notices.NoticeCap.Level(CapReader.Read(WithLevel(value)).Alert.ShouldNotBeNull().Infos[0]).ShouldBe(level);

    private static string WithTimes(string times) =>
        Valid.Replace("    <headline>", times + "\n    <headline>", StringComparison.Ordinal);

    // Sent at 03:00+09:00. Only the order of the times is checked: whether a notice is stale is decided elsewhere.
    [Theory]
    [InlineData("    <expires>2026-07-01T02:00:00+09:00</expires>", 16, "sent")]
    [InlineData("    <expires>2026-07-01T03:00:00+09:00</expires>", 16, "sent")]
    [InlineData("    <expires>2026-06-30T17:30:00+00:00</expires>", 16, "sent")]
    [InlineData("    <effective>2026-07-01T06:00:00+09:00</effective>\n    <expires>2026-07-01T05:00:00+09:00</expires>", 17, "effective")]
    [InlineData("    <onset>2026-07-01T06:00:00+09:00</onset>\n    <expires>2026-07-01T05:00:00+09:00</expires>", 17, "onset")]
    public void An_info_that_expires_before_it_is_sent_takes_effect_or_begins_is_refused(string times, int line, string other)
    {
        var problem = CapReader.Read(WithTimes(times)).Problems.ShouldHaveSingleItem();

        problem.Code.ShouldBe("cap.times.order");
        problem.Path.ShouldBe("/alert/info/expires");
        problem.Line.ShouldBe(line);
        problem.En.ShouldContain(other);
    }

    [Fact]
    public void Every_time_out_of_order_is_reported()
    {
        var times = "    <effective>2026-07-01T06:00:00+09:00</effective>\n    <onset>2026-07-01T07:00:00+09:00</onset>\n    <expires>2026-07-01T02:00:00+09:00</expires>";

        CapReader.Read(WithTimes(times)).Problems.Select(p => p.Code).ShouldBe(["cap.times.order", "cap.times.order", "cap.times.order"]);
    }

    [Theory]
    [InlineData("    <effective>2026-07-01T03:00:00+09:00</effective>\n    <onset>2026-07-01T04:00:00+09:00</onset>\n    <expires>2026-07-01T09:00:00+09:00</expires>")]
    [InlineData("    <expires>2026-06-30T18:30:00+00:00</expires>")] // 03:30 in Japan: later, whatever the offset
    [InlineData("    <onset>2026-07-01T02:00:00+09:00</onset>\n    <expires>2026-07-01T04:00:00+09:00</expires>")] // began before it was sent
    public void Times_in_order_are_accepted(string times) =>
        CapReader.Read(WithTimes(times)).Problems.ShouldBeEmpty();

    [Theory]
    [InlineData("    <effective>2026-07-01T03:00:00+15:00</effective>", "cap.effective.invalid", 16)]
    [InlineData("    <onset>2026-07-01T03:00:00+15:00</onset>\n    <expires>2026-07-01T09:00:00+09:00</expires>", "cap.onset.invalid", 16)]
    public void An_effective_or_onset_time_no_clock_can_hold_is_a_problem(string times, string code, int line)
    {
        var problem = CapReader.Read(WithTimes(times)).Problems.ShouldHaveSingleItem();

        problem.Code.ShouldBe(code);
        problem.Line.ShouldBe(line);
    }

    [Fact]
    public void A_notice_long_expired_by_the_clock_is_not_the_readers_business()
    {
        var old = WithTimes("    <expires>2001-07-01T04:00:00+09:00</expires>").Replace("2026-07-01T03:00:00+09:00", "2001-07-01T03:00:00+09:00", StringComparison.Ordinal);

        CapReader.Read(old).Problems.ShouldBeEmpty();
    }

    [Fact]
    public void References_are_parsed()
    {
        var update = Valid.Replace("<msgType>Alert</msgType>", "<msgType>Update</msgType>")
            .Replace("<scope>Public</scope>", "<scope>Public</scope>\n  <references>a@b,id-1,2026-07-01T03:00:00+09:00</references>");

        var reference = CapReader.Read(update).Alert.ShouldNotBeNull().References.ShouldHaveSingleItem();

        reference.ShouldBe(new CapReference("a@b", "id-1", "2026-07-01T03:00:00+09:00"));
    }

    [Fact]
    public void Oversized_documents_are_refused()
    {
        var huge = Valid.Replace("<description>", "<description>" + new string('x', Alert.Core.Xml.SafeXml.MaxDocumentChars));

        var problem = CapReader.Read(huge).Problems.ShouldHaveSingleItem();
        problem.Code.ShouldBe("xml.too-large");
        problem.En.ShouldContain("1,048,576 characters");
    }
}

public class CapWriterTests
{
    [Fact]
    public void What_is_written_reads_back_the_same()
    {
        var sent = new DateTimeOffset(2026, 7, 1, 3, 0, 0, TimeSpan.FromHours(9));
        var original = CapWriter.EvacuationOrder("id-2", "431001", "熊本市", sent, "Update", new CapReference("a@b", "id-1", "2026-07-01T02:00:00+09:00"));

        var read = CapReader.Read(CapWriter.Write(original));

        read.Problems.ShouldBeEmpty();
        var alert = read.Alert.ShouldNotBeNull();
        alert.Identifier.ShouldBe("id-2");
        alert.Sent.ShouldBe(sent);
        alert.References.ShouldBe(original.References);
        alert.Infos[0].Categories.ShouldBe(["Safety"]);
        alert.Infos[0].Headline.ShouldBe(original.Infos[0].Headline);
        alert.Geocodes.Single().Value.ShouldBe("431001");
    }
}

public class CapReaderLimitsTests
{
    private static readonly string Valid = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "examples", "evacuation-order.xml"));

    [Fact]
    public void Deep_nesting_is_refused_before_validation()
    {
        var deep = Valid.Replace("<description>", "<description>" + string.Concat(Enumerable.Repeat("<x>", 60_000)), StringComparison.Ordinal)
            .Replace("</description>", string.Concat(Enumerable.Repeat("</x>", 60_000)) + "</description>", StringComparison.Ordinal);

        CapReader.Read(deep).Problems.ShouldHaveSingleItem().Code.ShouldBe("xml.too-deep");
    }

    [Theory]
    [InlineData("2026-07-01T03:00:00+15:00")]
    [InlineData("0001-01-01T00:00:00+09:00")]
    public void A_sent_time_the_schema_admits_but_no_clock_can_hold_is_a_problem_not_a_crash(string sent)
    {
        var problem = CapReader.Read(Valid.Replace("2026-07-01T03:00:00+09:00", sent, StringComparison.Ordinal)).Problems.ShouldHaveSingleItem();

        problem.Code.ShouldBe("cap.sent.invalid");
        problem.Line.ShouldBe(5);
    }

    [Fact]
    public void Too_many_references_are_refused()
    {
        var many = string.Join(' ', Enumerable.Range(0, 101).Select(i => $"a@b,id-{i},2026-07-01T03:00:00+09:00"));
        var update = Valid.Replace("<msgType>Alert</msgType>", "<msgType>Update</msgType>", StringComparison.Ordinal)
            .Replace("<scope>Public</scope>", $"<scope>Public</scope>\n  <references>{many}</references>", StringComparison.Ordinal);

        CapReader.Read(update).Problems.ShouldHaveSingleItem().Code.ShouldBe("cap.references.too-many");
    }
}

public class SafeXmlLimitsTests
{
    [Fact]
    public void Too_many_elements_are_refused()
    {
        var xml = "<a>" + string.Concat(Enumerable.Repeat("<b/>", Alert.Core.Xml.SafeXml.MaxElements + 1)) + "</a>";

        Alert.Core.Xml.SafeXml.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(xml))).Refusal.ShouldNotBeNull().Code.ShouldBe("xml.too-many-elements");
    }

    [Fact]
    public void Too_many_attributes_are_refused()
    {
        var xml = "<a " + string.Join(' ', Enumerable.Range(0, 40).Select(i => $"x{i}=\"1\"")) + "/>";

        Alert.Core.Xml.SafeXml.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(xml))).Refusal.ShouldNotBeNull().Code.ShouldBe("xml.too-many-attributes");
    }

    [Fact]
    public void Entity_expansion_is_refused_with_the_DTD()
    {
        const string laughs = """
            <?xml version="1.0"?>
            <!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
            <lolz>&lol2;</lolz>
            """;

        Alert.Core.Xml.SafeXml.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(laughs))).Refusal.ShouldNotBeNull().Code.ShouldBe("xml.dtd");
    }
}
