using System.Buffers;
using System.Collections.Concurrent;
using System.Text;

namespace QwenMesh.Text.Tokenization;

/// <summary>
/// Byte-level BPE over one pre-tokenized word: the word's UTF-8 bytes start as one symbol each, then the adjacent
/// pair with the lowest merge rank (leftmost on ties) is merged until no listed pair remains. Results are cached per
/// word because natural text repeats a small set of words.
/// </summary>
internal sealed class BpeModel
{
    private const int CacheCapacity = 32_768;
    private const int MaxCachedWordLength = 256;
    private const int StackBytes = 512;

    private readonly int[] _byteIds = new int[256];
    private readonly Dictionary<long, Merge> _merges;
    private readonly IReadOnlyDictionary<string, int>? _wholeWords;
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);

    /// <param name="vocab">Byte-level spelling → id.</param>
    /// <param name="merges">Pairs of ids in rank order, each with the id of the merged token.</param>
    /// <param name="ignoreMerges">tokenizers' ignore_merges: a word that is itself in the vocabulary is one token.</param>
    public BpeModel(IReadOnlyDictionary<string, int> vocab, IReadOnlyList<(int Left, int Right, int Merged)> merges, bool ignoreMerges)
    {
        for (int b = 0; b < 256; b++)
        {
            _byteIds[b] = vocab.TryGetValue(ByteLevelAlphabet.ToChar((byte)b).ToString(), out int id) ? id : -1;
        }
        _merges = new Dictionary<long, Merge>(merges.Count, PairComparer.Instance);
        for (int rank = 0; rank < merges.Count; rank++)
        {
            (int left, int right, int merged) = merges[rank];
            // A pair listed twice keeps its first (best) rank, as a rank lookup table built in order would.
            _merges.TryAdd(Key(left, right), new Merge(rank, merged));
        }
        _wholeWords = ignoreMerges ? vocab : null;
    }

    public void Encode(ReadOnlySpan<char> word, List<int> output)
    {
        var cache = _cache.GetAlternateLookup<ReadOnlySpan<char>>();
        if (cache.TryGetValue(word, out int[]? cached))
        {
            output.AddRange(cached);
            return;
        }
        int[] ids = EncodeUncached(word);
        output.AddRange(ids);
        if (word.Length <= MaxCachedWordLength)
        {
            // Starting over when full keeps memory bounded and lets the cache follow a changing workload.
            if (_cache.Count >= CacheCapacity)
            {
                _cache.Clear();
            }
            cache.TryAdd(word, ids);
        }
    }

    private int[] EncodeUncached(ReadOnlySpan<char> word)
    {
        int maxBytes = Encoding.UTF8.GetMaxByteCount(word.Length);
        byte[]? rented = maxBytes > StackBytes ? ArrayPool<byte>.Shared.Rent(maxBytes) : null;
        Span<byte> bytes = rented is null ? stackalloc byte[StackBytes] : rented;
        try
        {
            int length = Encoding.UTF8.GetBytes(word, bytes);
            return EncodeBytes(bytes[..length]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private int[] EncodeBytes(ReadOnlySpan<byte> bytes)
    {
        if (_wholeWords is not null && _wholeWords.TryGetValue(ByteLevelAlphabet.Spell(bytes), out int whole))
        {
            return [whole];
        }
        var ids = new int[bytes.Length];
        int count = 0;
        foreach (byte b in bytes)
        {
            // Bytes missing from the vocabulary are dropped, as tokenizers does without an unk_token.
            if (_byteIds[b] >= 0)
            {
                ids[count++] = _byteIds[b];
            }
        }
        if (count < 2)
        {
            return ids[..count];
        }
        return MergeAll(ids, count);
    }

    // Symbols stay at their original index; a merge rewrites the left one and unlinks the right one.
    private int[] MergeAll(int[] ids, int count)
    {
        var next = new int[count];
        var previous = new int[count];
        var queue = new PriorityQueue<int, long>();
        for (int i = 0; i < count; i++)
        {
            next[i] = i + 1 < count ? i + 1 : -1;
            previous[i] = i - 1;
            if (i + 1 < count)
            {
                Enqueue(queue, ids, i, i + 1);
            }
        }
        int alive = count;
        while (queue.TryDequeue(out int position, out long priority))
        {
            int right = next[position];
            if (ids[position] < 0 || right < 0
                || !_merges.TryGetValue(Key(ids[position], ids[right]), out Merge merge)
                || merge.Rank != (int)(priority >> 32))
            {
                continue; // stale: one side was merged away since this pair was queued
            }
            ids[position] = merge.Merged;
            ids[right] = -1;
            next[position] = next[right];
            if (next[right] >= 0)
            {
                previous[next[right]] = position;
            }
            alive--;
            if (previous[position] >= 0)
            {
                Enqueue(queue, ids, previous[position], position);
            }
            if (next[position] >= 0)
            {
                Enqueue(queue, ids, position, next[position]);
            }
        }
        var result = new int[alive];
        int k = 0;
        for (int i = 0; i >= 0; i = next[i])
        {
            result[k++] = ids[i];
        }
        return result;
    }

    private void Enqueue(PriorityQueue<int, long> queue, int[] ids, int left, int right)
    {
        if (_merges.TryGetValue(Key(ids[left], ids[right]), out Merge merge))
        {
            // Lowest rank first, then leftmost position.
            queue.Enqueue(left, ((long)merge.Rank << 32) | (uint)left);
        }
    }

    private static long Key(int left, int right) => ((long)left << 32) | (uint)right;

    private readonly record struct Merge(int Rank, int Merged);

    // long's own hash XORs the halves, which sends every (x, x) pair (and many others) to the same bucket; lookups of
    // repeated-symbol pairs like "ĠĠ" then walk long chains. Multiplicative mixing spreads them.
    private sealed class PairComparer : IEqualityComparer<long>
    {
        public static readonly PairComparer Instance = new();

        public bool Equals(long x, long y) => x == y;

        public int GetHashCode(long pair) => (int)(((ulong)pair * 0x9E3779B97F4A7C15UL) >> 32);
    }
}
