using System.Buffers.Binary;
using System.Text;
using SkiaSharp;

namespace Alert.Hub.Tests.Support;

/// <summary>
/// Photos as a phone makes them: a JPEG whose left half is red and right half blue, with an EXIF block carrying the
/// camera's make, the orientation and, when given, the GPS position — everything the hub must read or strip.
/// </summary>
public static class TestPhotos
{
    public const string Make = "AlertTestPhone";

    public static byte[] Jpeg(int width, int height, (double Lat, double Lng)? gps = null, ushort orientation = 1)
    {
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.Blue);
            using var red = new SKPaint { Color = SKColors.Red };
            canvas.DrawRect(0, 0, width / 2f, height, red);
        }
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Jpeg, 90);
        var jpeg = data.ToArray();
        var exif = Exif(gps, orientation);
        // APP1 right after the start-of-image marker, where cameras put it.
        var segment = new byte[4 + exif.Length];
        segment[0] = 0xFF;
        segment[1] = 0xE1;
        BinaryPrimitives.WriteUInt16BigEndian(segment.AsSpan(2), (ushort)(2 + exif.Length));
        exif.CopyTo(segment, 4);
        return [.. jpeg[..2], .. segment, .. jpeg[2..]];
    }

    public static byte[] Png(int width, int height)
    {
        using var bitmap = new SKBitmap(width, height);
        bitmap.Erase(SKColors.Green);
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>"Exif\0\0" and a little-endian TIFF: IFD0 (Make, Orientation, GPS pointer) and, with a position, the GPS IFD.</summary>
    private static byte[] Exif((double Lat, double Lng)? gps, ushort orientation)
    {
        var tiff = new byte[162];
        "II"u8.CopyTo(tiff);
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(2), 42);
        BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(4), 8);

        void Entry(int at, ushort tag, ushort type, uint count, uint value)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(at), tag);
            BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(at + 2), type);
            BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(at + 4), count);
            BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(at + 8), value);
        }
        const ushort Ascii = 2, Short = 3, Long = 4, Rational = 5;

        // IFD0 at 8: three entries, then the make's text at 50; the GPS IFD at 60, its rationals at 114 and 138.
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(8), (ushort)(gps is null ? 2 : 3));
        Entry(10, 0x010F, Ascii, (uint)Make.Length + 1, 50);
        Entry(22, 0x0112, Short, 1, orientation);
        if (gps is { } at)
        {
            Entry(34, 0x8825, Long, 1, 60);
            Encoding.ASCII.GetBytes(Make).CopyTo(tiff.AsSpan(50));
            BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(60), 4);
            Entry(62, 0x0001, Ascii, 2, at.Lat >= 0 ? 'N' : 'S');
            Entry(74, 0x0002, Rational, 3, 114);
            Entry(86, 0x0003, Ascii, 2, at.Lng >= 0 ? 'E' : 'W');
            Entry(98, 0x0004, Rational, 3, 138);
            Degrees(114, Math.Abs(at.Lat));
            Degrees(138, Math.Abs(at.Lng));
        }
        else
        {
            Encoding.ASCII.GetBytes(Make).CopyTo(tiff.AsSpan(50));
        }
        return [.. "Exif\0\0"u8, .. tiff];

        void Degrees(int at, double value)
        {
            var degrees = Math.Floor(value);
            var minutes = Math.Floor((value - degrees) * 60);
            var seconds = (value - degrees - minutes / 60) * 3600;
            uint[] parts = [(uint)degrees, 1, (uint)minutes, 1, (uint)Math.Round(seconds * 10000), 10000];
            for (var i = 0; i < parts.Length; i++) BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(at + 4 * i), parts[i]);
        }
    }
}
