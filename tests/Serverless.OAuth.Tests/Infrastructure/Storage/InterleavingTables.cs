using Azure;
using Azure.Data.Tables;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Infrastructure.Storage;

namespace Serverless.OAuth.Tests.Infrastructure.Storage;

/// <summary>
/// The real tables, except that the first transaction submitted to one of them first lets a concurrent writer act: a
/// deterministic way to put a write between the purge's read of a partition and its deletes.
/// </summary>
public sealed class InterleavingTables(OAuthTables inner, StorageOptions storage, string interleavedTable, Func<Task> writer) : OAuthTables
{
    public override async ValueTask<TableClient> GetAsync(string name, CancellationToken cancellationToken = default)
    {
        var client = await inner.GetAsync(name, cancellationToken);
        return name == interleavedTable ? new WriterFirstTableClient(storage.ConnectionString!, client.Name, writer) : client;
    }

    private sealed class WriterFirstTableClient(string connectionString, string tableName, Func<Task> writer) : TableClient(connectionString, tableName)
    {
        private Func<Task>? _writer = writer;

        public override async Task<Response<IReadOnlyList<Response>>> SubmitTransactionAsync(
            IEnumerable<TableTransactionAction> transactionActions, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Exchange(ref _writer, null) is { } first)
            {
                await first();
            }

            return await base.SubmitTransactionAsync(transactionActions, cancellationToken);
        }
    }
}
