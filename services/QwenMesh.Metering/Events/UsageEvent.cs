using System.Net.Mime;
using System.Text.Json;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.Extensions;
using CloudNative.CloudEvents.SystemTextJson;

namespace QwenMesh.Metering.Events;

/// <summary>
/// One request's usage as a CloudEvents 1.0 event: <c>id</c> is the request id the client saw in <c>x-request-id</c>
/// (the dedupe key), <c>source</c> the emitting service and pod, <c>subject</c> and <c>partitionkey</c> the tenant,
/// <c>time</c> the request's end, <c>data</c> a <see cref="UsageData"/>. Encoded in structured mode: the whole event is
/// one JSON document (an outbox line, a Kafka message value), so any reader sees every attribute in one place.
/// </summary>
public sealed record UsageEvent(string Id, string Source, DateTimeOffset Time, UsageData Data)
{
    public const string Type = "io.qwenmesh.usage.v1";

    /// <summary>Names the schema of <c>data</c>; the document itself is <c>deploy/schemas/usage-event.v1.json</c>.</summary>
    public static readonly Uri DataSchema = new("urn:qwenmesh:schema:usage-event:v1");

    /// <summary>The structured-mode content type (a Kafka message's <c>content-type</c> header).</summary>
    public const string ContentType = "application/cloudevents+json; charset=utf-8";

    // Relaxed escaping: "+00:00" stays readable for kcat and jq users ('+' is only escaped for HTML embedding).
    static readonly JsonSerializerOptions DataJson = new()
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.Never,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
    static readonly JsonEventFormatter Formatter = new(DataJson, new JsonDocumentOptions());
    static readonly CloudEventAttribute[] Extensions = [Partitioning.PartitionKeyAttribute];

    /// <summary>The source of events from <paramref name="service"/> running as <paramref name="pod"/>.</summary>
    public static string SourceOf(string service, string pod) => $"/qwenmesh/{service}/{pod}";

    /// <summary>The event as one line of compact UTF-8 JSON (no newline inside, none at the end).</summary>
    public byte[] Encode()
    {
        var cloudEvent = new CloudEvent(CloudEventsSpecVersion.V1_0, Extensions)
        {
            Id = Id,
            Type = Type,
            Source = new Uri(Source, UriKind.RelativeOrAbsolute),
            Subject = Data.Tenant,
            Time = Time,
            DataSchema = DataSchema,
            DataContentType = "application/json",
            Data = JsonSerializer.SerializeToElement(Data, DataJson),
        };
        cloudEvent.SetPartitionKey(Data.Tenant);
        return Formatter.EncodeStructuredModeMessage(cloudEvent, out _).ToArray();
    }

    /// <summary>
    /// The two attributes a relay needs of an encoded event, read without decoding the rest: the tenant (the Kafka key)
    /// and the end time (for the delivery delay).
    /// </summary>
    public static (string Subject, DateTimeOffset Time) Envelope(ReadOnlySpan<byte> encoded)
    {
        var reader = new Utf8JsonReader(encoded);
        string? subject = null;
        DateTimeOffset? time = null;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) throw new UsageEventFormatException("an event is a JSON object");
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("subject"u8) && reader.Read()) subject = reader.GetString();
                else if (reader.ValueTextEquals("time"u8) && reader.Read()) time = reader.GetDateTimeOffset();
                else
                {
                    reader.Read();
                    reader.Skip();
                }
                if (subject is not null && time is not null) break;
            }
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            throw new UsageEventFormatException($"not a usage event: {e.Message}", e);
        }
        return (subject ?? throw new UsageEventFormatException("the event has no subject"), time ?? throw new UsageEventFormatException("the event has no time"));
    }

    /// <summary>Reads an event written by <see cref="Encode"/> (or by any CloudEvents writer of the same type).</summary>
    /// <exception cref="UsageEventFormatException">Not a CloudEvent, another type, or data that does not read as usage.</exception>
    public static UsageEvent Decode(ReadOnlyMemory<byte> encoded)
    {
        CloudEvent cloudEvent;
        try
        {
            cloudEvent = Formatter.DecodeStructuredModeMessage(encoded, new ContentType("application/cloudevents+json"), Extensions);
        }
        catch (Exception e) when (e is ArgumentException or JsonException or FormatException or InvalidOperationException)
        {
            throw new UsageEventFormatException($"not a CloudEvent: {e.Message}", e);
        }
        if (cloudEvent.Type != Type) throw new UsageEventFormatException($"event type '{cloudEvent.Type}' is not {Type}");
        if (cloudEvent.Data is not JsonElement data) throw new UsageEventFormatException($"event '{cloudEvent.Id}' has no JSON data");
        UsageData? usage;
        try
        {
            usage = data.Deserialize<UsageData>(DataJson);
        }
        catch (JsonException e)
        {
            throw new UsageEventFormatException($"event '{cloudEvent.Id}': {e.Message}", e);
        }
        if (usage is null) throw new UsageEventFormatException($"event '{cloudEvent.Id}' has null data");
        return new UsageEvent(cloudEvent.Id!, cloudEvent.Source!.ToString(), cloudEvent.Time ?? DateTimeOffset.MinValue, usage);
    }
}

/// <summary>Bytes that are not a usage event.</summary>
public sealed class UsageEventFormatException(string message, Exception? inner = null) : Exception(message, inner);
