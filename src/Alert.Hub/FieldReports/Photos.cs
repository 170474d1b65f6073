using MetadataExtractor;
using MetadataExtractor.Formats.Exif;
using SkiaSharp;

namespace Alert.Hub.FieldReports;

/// <summary>A photo as the hub keeps it: two JPEGs made afresh from its pixels, and the location its EXIF gave, if any.</summary>
public sealed record Photo(byte[] Large, byte[] Thumb, int Width, int Height, double? Lat, double? Lng);

/// <summary>
/// Field report photos. Only what is decoded is kept: the pixels are turned upright by the EXIF orientation, resized and
/// encoded again as JPEG, so nothing of the original file (EXIF with the phone's serial and position, XMP, comments)
/// survives into what the desk or a resident is shown. The EXIF GPS position is read first, as a report's location.
/// </summary>
public static class Photos
{
    public const int LargeEdge = 1600;
    public const int ThumbEdge = 320;

    /// <summary>A photo of more pixels than a phone's (50 MP) is refused before it is decoded: its size is in its header.</summary>
    private const long MaxPixels = 50_000_000;

    /// <summary>A PNG decodes whole (it has no reduced scales), so fewer: a phone's screenshot is 3 MP.</summary>
    private const long MaxPngPixels = 16_000_000;

    /// <summary>One photo per core is decoded at a time: a burst of reports waits its turn instead of taking the hub's memory.</summary>
    private static readonly SemaphoreSlim Decoding = new(Environment.ProcessorCount);

    public static async Task<(Photo? Photo, Refusal Refusal)> ReadAsync(byte[] file, CancellationToken ct)
    {
        await Decoding.WaitAsync(ct);
        try
        {
            return Read(file);
        }
        finally
        {
            Decoding.Release();
        }
    }

    private const int Quality = 82;

    public enum Refusal { None, NotAnImage, Unreadable, TooManyPixels }

    public static (Photo? Photo, Refusal Refusal) Read(byte[] file)
    {
        if (!IsJpeg(file) && !IsPng(file)) return (null, Refusal.NotAnImage);
        using var codec = SKCodec.Create(new SKMemoryStream(file));
        if (codec is null) return (null, Refusal.Unreadable);
        if ((long)codec.Info.Width * codec.Info.Height > (codec.EncodedFormat == SKEncodedImageFormat.Png ? MaxPngPixels : MaxPixels))
            return (null, Refusal.TooManyPixels);
        // A JPEG decodes straight to k/8 of its size: a 12 MP photo need not take 48 MB, and a second to resample, to
        // become 1600 px. The smallest such size still as large as the large copy (PNG has no scales: decoded whole).
        var need = Math.Min(LargeEdge, Math.Max(codec.Info.Width, codec.Info.Height));
        var size = Enumerable.Range(1, 8).Select(k => codec.GetScaledDimensions(k / 8f))
            .FirstOrDefault(d => Math.Max(d.Width, d.Height) >= need, codec.Info.Size);
        using var bitmap = SKBitmap.Decode(codec, codec.Info.WithSize(size.Width, size.Height));
        if (bitmap is null) return (null, Refusal.Unreadable);

        var (lat, lng) = GpsOf(file);
        var large = Encode(bitmap, codec.EncodedOrigin, LargeEdge, out var width, out var height);
        var thumb = Encode(bitmap, codec.EncodedOrigin, ThumbEdge, out _, out _);
        return (new Photo(large, thumb, width, height, lat, lng), Refusal.None);
    }

    private static bool IsJpeg(byte[] f) => f.Length > 3 && f[0] == 0xFF && f[1] == 0xD8 && f[2] == 0xFF;

    private static bool IsPng(byte[] f) => f.AsSpan().StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);

    /// <summary>The EXIF GPS position, when there is one that means something (not 0,0); broken metadata is no position.</summary>
    private static (double?, double?) GpsOf(byte[] file)
    {
        try
        {
            var gps = ImageMetadataReader.ReadMetadata(new MemoryStream(file)).OfType<GpsDirectory>().FirstOrDefault();
            if (gps?.GetGeoLocation() is not { } at || at.IsZero || !double.IsFinite(at.Latitude) || !double.IsFinite(at.Longitude))
                return (null, null);
            return (at.Latitude, at.Longitude);
        }
        catch (Exception ex) when (ex is ImageProcessingException or IOException or ArgumentException or InvalidOperationException)
        {
            return (null, null);
        }
    }

    /// <summary>The pixels upright and no larger than <paramref name="edge"/> on their longer side, as a new JPEG on white.</summary>
    private static byte[] Encode(SKBitmap source, SKEncodedOrigin origin, int edge, out int width, out int height)
    {
        var turned = origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
        var (w, h) = turned ? (source.Height, source.Width) : (source.Width, source.Height);
        var scale = Math.Min(1.0, edge / (double)Math.Max(w, h));
        (width, height) = (Math.Max(1, (int)Math.Round(w * scale)), Math.Max(1, (int)Math.Round(h * scale)));

        using var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White); // a PNG's transparency has nothing to show through in a JPEG
        canvas.Scale((float)width / w, (float)height / h);
        canvas.Concat(Upright(origin, w, h));
        using var image = SKImage.FromBitmap(source);
        canvas.DrawImage(image, 0, 0, new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        using var snapshot = surface.Snapshot();
        using var data = snapshot.Encode(SKEncodedImageFormat.Jpeg, Quality);
        return data.ToArray();
    }

    /// <summary>
    /// Where each stored pixel goes to stand upright in a <paramref name="w"/> × <paramref name="h"/> picture: the EXIF
    /// orientations (2–8) are mirrors and quarter turns of the stored pixels.
    /// </summary>
    private static SKMatrix Upright(SKEncodedOrigin origin, int w, int h) => origin switch
    {
        SKEncodedOrigin.TopRight => new SKMatrix(-1, 0, w, 0, 1, 0, 0, 0, 1),
        SKEncodedOrigin.BottomRight => new SKMatrix(-1, 0, w, 0, -1, h, 0, 0, 1),
        SKEncodedOrigin.BottomLeft => new SKMatrix(1, 0, 0, 0, -1, h, 0, 0, 1),
        SKEncodedOrigin.LeftTop => new SKMatrix(0, 1, 0, 1, 0, 0, 0, 0, 1),
        SKEncodedOrigin.RightTop => new SKMatrix(0, -1, w, 1, 0, 0, 0, 0, 1),
        SKEncodedOrigin.RightBottom => new SKMatrix(0, -1, w, -1, 0, h, 0, 0, 1),
        SKEncodedOrigin.LeftBottom => new SKMatrix(0, 1, 0, -1, 0, h, 0, 0, 1),
        _ => SKMatrix.Identity,
    };
}
