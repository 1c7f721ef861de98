namespace Serverless.Testing.Storage;

/// <summary>The kinds of Table Storage writes a test may make fail or lose (<see cref="StorageFaultProxy"/>, <see cref="LostAnswers"/>).</summary>
public enum StorageOperation
{
    /// <summary>An entity-group transaction ("$batch").</summary>
    Transaction,

    /// <summary>An insert: a POST to a table, not a table's creation.</summary>
    Insert,

    /// <summary>An update or replace conditional on a version (If-Match other than "*").</summary>
    ConditionalUpdate,
}

public static class StorageOperations
{
    /// <summary>The kind of a Table Storage request, from its method, path and If-Match header; null for reads, upserts and deletes.</summary>
    public static StorageOperation? Of(string method, string path, string? ifMatch)
    {
        if (path.EndsWith("/$batch", StringComparison.Ordinal))
        {
            return StorageOperation.Transaction;
        }

        if (method == "POST")
        {
            return path.EndsWith("/Tables", StringComparison.Ordinal) ? null : StorageOperation.Insert;
        }

        return method is "PUT" or "PATCH" or "MERGE" && ifMatch is { Length: > 0 } and not "*" ? StorageOperation.ConditionalUpdate : null;
    }
}
