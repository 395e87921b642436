using System.Text.Json.Serialization;

namespace Postmaster.Queue;

/// <summary>Source-generated JSON for the queue listing (Native AOT: no reflection-based serialization).</summary>
[JsonSourceGenerationOptions(WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(QueueAdmin.Entry[]))]
public sealed partial class QueueJsonContext : JsonSerializerContext;
