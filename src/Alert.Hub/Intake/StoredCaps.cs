using System.Collections.Concurrent;
using System.Security.Cryptography;
using Alert.Core.Cap;

namespace Alert.Hub.Intake;

/// <summary>
/// Stored CAP documents read once per process: every reader of a stored revision goes through here. After intake, the
/// fan-out, the streams, the index of notices in force and the notice exchange each read the same stored revision, and
/// each reading parsed it again and checked it against the XSD and the profile: a tenth of the hub's CPU when notices
/// arrive by the hundred. A stored document never changes,
/// so its bytes are their own key (a hash of them); the most recent few thousand are kept, enough for a nationwide burst.
/// </summary>
public static class StoredCaps
{
    internal const int Kept = 2048;

    private static readonly ConcurrentDictionary<UInt128, CapAlert> Alerts = new();
    private static readonly ConcurrentQueue<UInt128> Order = new();

    /// <summary>The alert a stored document holds; null when it no longer reads (not kept: each caller reports it).</summary>
    public static CapAlert? Read(byte[] cap)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(cap, hash);
        var key = System.Buffers.Binary.BinaryPrimitives.ReadUInt128LittleEndian(hash);
        if (Alerts.TryGetValue(key, out var known)) return known;
        var alert = CapReader.Read(new MemoryStream(cap)).Alert;
        if (alert is null || !Alerts.TryAdd(key, alert)) return alert;
        Order.Enqueue(key);
        while (Alerts.Count > Kept && Order.TryDequeue(out var oldest)) Alerts.TryRemove(oldest, out _);
        return alert;
    }
}
