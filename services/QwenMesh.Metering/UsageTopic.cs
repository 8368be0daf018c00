namespace QwenMesh.Metering;

/// <summary>
/// The Kafka topic usage events travel on, named once so the relay that writes it and the readers that total it
/// cannot drift apart. The version is in the name: a new event schema gets a new topic, never a mixed one.
/// </summary>
public static class UsageTopic
{
    public const string Default = "qwenmesh.usage.v1";
}
