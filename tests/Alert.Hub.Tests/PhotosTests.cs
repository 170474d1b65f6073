using Alert.Hub.FieldReports;
using Alert.Hub.Tests.Support;
using Shouldly;

namespace Alert.Hub.Tests;

/// <summary>What a phone's upload can be: damaged, cut short, or not what it says. None of it may break the hub.</summary>
public class PhotosTests
{
    [Fact]
    public void Damaged_and_cut_short_photos_are_refused_or_read_but_never_throw()
    {
        var random = new Random(7); // fixed, so a failure is found again
        byte[][] seeds = [TestPhotos.Jpeg(64, 48, (32.8, 130.7), orientation: 6), TestPhotos.Png(20, 20)];
        var thrown = new List<string>();
        for (var i = 0; i < 3000; i++)
        {
            var bytes = (byte[])seeds[i % 2].Clone();
            for (var k = random.Next(1, 8); k > 0; k--) bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            if (i % 5 == 0) bytes = bytes[..random.Next(4, bytes.Length)];
            try
            {
                Photos.Read(bytes);
            }
            catch (Exception ex)
            {
                thrown.Add($"{i}: {ex.GetType().Name}: {ex.Message}");
            }
        }
        thrown.ShouldBeEmpty();
    }

    [Fact]
    public void A_photo_larger_than_a_phones_is_refused_before_it_is_decoded()
    {
        // A JPEG whose frame header claims 10,000 × 10,000 pixels: 100 megapixels, refused by its header alone.
        var header = TestPhotos.Jpeg(8, 8);
        var frame = header.AsSpan().IndexOf((ReadOnlySpan<byte>)[0xFF, 0xC0]);
        frame.ShouldBeGreaterThan(0);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(frame + 5), 10_000);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(frame + 7), 10_000);

        Photos.Read(header).Refusal.ShouldBe(Photos.Refusal.TooManyPixels);
    }

    [Fact]
    public void A_phones_full_size_photo_is_kept_at_1600_px_on_its_longer_side_and_320_for_the_thumbnail()
    {
        var (photo, refusal) = Photos.Read(TestPhotos.Jpeg(4032, 3024, (32.8031, 130.7079)));

        refusal.ShouldBe(Photos.Refusal.None);
        (photo!.Width, photo.Height).ShouldBe((1600, 1200));
        using var large = SkiaSharp.SKBitmap.Decode(photo.Large);
        (large.Width, large.Height).ShouldBe((1600, 1200));
        large.GetPixel(100, 600).Red.ShouldBeGreaterThan((byte)200); // the left half, red, still on the left
        using var thumb = SkiaSharp.SKBitmap.Decode(photo.Thumb);
        (thumb.Width, thumb.Height).ShouldBe((320, 240));
        photo.Lat!.Value.ShouldBe(32.8031, 0.00001);
    }
}
