using System.Text.Json.Nodes;
using StateVault.Serialization;

namespace StateVault;

/// <summary>Structural JSON diff: objects by key, arrays by index, everything else by value.</summary>
internal static class JsonDiff
{
    public static void Compare(JsonNode? before, JsonNode? after, string path, List<JsonChange> changes)
    {
        switch (before, after)
        {
            case (JsonObject a, JsonObject b):
                foreach (var (key, value) in a)
                {
                    var child = JsonPath.Property(path, key);
                    if (b.TryGetPropertyValue(key, out var other))
                    {
                        Compare(value, other, child, changes);
                    }
                    else
                    {
                        changes.Add(new JsonChange(child, "removed", value?.DeepClone(), null));
                    }
                }

                foreach (var (key, value) in b)
                {
                    if (!a.ContainsKey(key))
                    {
                        changes.Add(new JsonChange(JsonPath.Property(path, key), "added", null, value?.DeepClone()));
                    }
                }

                break;
            case (JsonArray a, JsonArray b):
                for (var i = 0; i < Math.Max(a.Count, b.Count); i++)
                {
                    var child = JsonPath.Index(path, i);
                    if (i >= a.Count)
                    {
                        changes.Add(new JsonChange(child, "added", null, b[i]?.DeepClone()));
                    }
                    else if (i >= b.Count)
                    {
                        changes.Add(new JsonChange(child, "removed", a[i]?.DeepClone(), null));
                    }
                    else
                    {
                        Compare(a[i], b[i], child, changes);
                    }
                }

                break;
            default:
                if (!JsonNode.DeepEquals(before, after))
                {
                    changes.Add(new JsonChange(path, "changed", before?.DeepClone(), after?.DeepClone()));
                }

                break;
        }
    }
}
