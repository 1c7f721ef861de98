using Azure;

namespace Serverless.OAuth.Infrastructure.Storage;

/// <summary>
/// The version a row was read with, for a write that must fail when the row changed since. Domain records carry this
/// instead of the storage's ETag; only the stores turn it back into one.
/// </summary>
public readonly record struct RowVersion(string Value)
{
    internal static RowVersion Of(ETag etag) => new(etag.ToString());

    internal ETag ToETag() => new(Value);
}
