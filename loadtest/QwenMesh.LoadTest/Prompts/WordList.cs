namespace QwenMesh.LoadTest.Prompts;

/// <summary>Common English words the prompt generator draws from, so prompts tokenize like ordinary text.</summary>
public static class WordList
{
    public static readonly string[] Words =
    [
        "the", "a", "an", "and", "but", "or", "because", "while", "when", "after", "before", "until", "since",
        "of", "to", "in", "on", "at", "by", "for", "with", "from", "over", "under", "across", "through", "near",
        "old", "new", "small", "large", "quiet", "busy", "bright", "dark", "warm", "cold", "early", "late",
        "green", "blue", "red", "golden", "narrow", "wide", "careful", "patient", "curious", "tired", "happy",
        "river", "village", "market", "garden", "window", "bridge", "mountain", "harbor", "library", "kitchen",
        "teacher", "farmer", "sailor", "doctor", "child", "friend", "neighbor", "traveler", "baker", "painter",
        "letter", "story", "song", "map", "lamp", "boat", "road", "train", "clock", "book", "door", "table",
        "morning", "evening", "winter", "summer", "season", "storm", "rain", "wind", "light", "shadow", "fire",
        "walked", "carried", "found", "opened", "closed", "watched", "listened", "remembered", "explained",
        "built", "painted", "wrote", "read", "sang", "planted", "followed", "noticed", "crossed", "waited",
        "slowly", "quickly", "often", "never", "always", "together", "again", "almost", "perhaps", "finally",
        "city", "forest", "island", "valley", "station", "school", "museum", "workshop", "field", "coast",
        "water", "bread", "stone", "paper", "glass", "wood", "iron", "salt", "tea", "apples", "flowers",
        "question", "answer", "reason", "idea", "plan", "problem", "journey", "promise", "secret", "memory",
        "people", "family", "crowd", "students", "workers", "visitors", "children", "birds", "horses", "dogs",
        "could", "would", "should", "might", "must", "will", "can", "did", "was", "were", "had", "seemed",
        "every", "some", "many", "few", "several", "each", "another", "their", "her", "his", "our", "its",
        "first", "last", "next", "second", "third", "whole", "half", "single", "simple", "strange", "gentle",
        "counted", "measured", "repaired", "shared", "traded", "gathered", "returned", "climbed",
    ];
}
