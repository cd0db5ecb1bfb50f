using System.Text.Json;

namespace Veil.Privacy;

/// <summary>The inventory's JSON form, shared by the API and `veil inventory --json`.</summary>
public static class InventoryJson
{
    public static void Write(Utf8JsonWriter writer, int projectId, IEnumerable<InventoryEntry> entries)
    {
        writer.WriteStartObject();
        writer.WriteNumber("project", projectId);
        writer.WriteStartArray("entries");
        foreach (var e in entries)
        {
            writer.WriteStartObject();
            writer.WriteString("where", e.Where);
            writer.WriteString("name", e.Name);
            writer.WriteString("classification", e.Classification);
            writer.WriteString("treatment", e.Treatment);
            if (e.Events is { } events) writer.WriteNumber("events", events);
            else writer.WriteNull("events");
            writer.WriteNumber("pii_detections", e.PiiDetections);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.Flush();
    }
}
