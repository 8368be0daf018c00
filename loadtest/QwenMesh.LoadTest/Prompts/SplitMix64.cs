namespace QwenMesh.LoadTest.Prompts;

/// <summary>
/// A tiny, fully specified pseudo-random generator (SplitMix64), so the same seed gives the same prompts on
/// every machine and .NET version, which System.Random does not promise.
/// </summary>
public struct SplitMix64(ulong seed)
{
    ulong _state = seed;

    public ulong Next()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A value in [0, bound); the tiny modulo bias does not matter for picking words.</summary>
    public int Below(int bound) => (int)(Next() % (ulong)bound);

    /// <summary>Mixes several numbers into one seed, so each (seed, phase, request) has its own sequence.</summary>
    public static ulong Mix(params ReadOnlySpan<ulong> parts)
    {
        var mixer = new SplitMix64(0x5EED);
        ulong acc = 0;
        foreach (ulong part in parts)
        {
            mixer._state ^= part;
            acc = mixer.Next();
        }
        return acc;
    }
}
