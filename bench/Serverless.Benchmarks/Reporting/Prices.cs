namespace Serverless.Benchmarks.Reporting;

/// <summary>
/// Published prices (US dollars, pay-as-you-go, East US) as docs/deploy.md lists them, with its sources and caveats;
/// the report prints them beside every cost it computes.
/// </summary>
public static class Prices
{
    public const double InstanceMemoryGb = 0.5; // deploy.md: instanceMemoryMB 512, the cheapest per GB-s
    public const double ExecutionsPerMillion = 0.40;
    public const double PerGbSecond = 0.000026;
    public const double TableTransactionsPer10K = 0.00036;
    public const double KeyVaultRsa2048Per10K = 0.03;
    public const double KeyVaultEcPer10K = 0.15;

    /// <summary>deploy.md's serial assumption: one execution of about 50 ms per token, nothing else running on the instance.</summary>
    public const double SerialExecutionSeconds = 0.050;

    public static readonly (string Meter, string Price, string Source)[] Table =
    [
        ("Flex Consumption on-demand execution time", "$0.000026 per GB-s",
            "Azure Functions pricing page, as quoted by https://modal.com/blog/azure-function-pricing-guide (2025-05-22)"),
        ("Flex Consumption on-demand executions", "$0.40 per million",
            "https://azure.microsoft.com/pricing/details/functions/ (deploy.md: verify)"),
        ("Table Storage transactions (Standard LRS)", "$0.00036 per 10,000",
            "https://azure.microsoft.com/pricing/details/storage/tables/ (deploy.md: verify)"),
        ("Key Vault Standard, RSA 2048 software-key operations", "$0.03 per 10,000",
            "https://azure.microsoft.com/pricing/details/key-vault/ ; https://learn.microsoft.com/en-us/answers/questions/5608202/how-to-correctly-estimate-azure-key-vault-cost"),
        ("Key Vault advanced-key operations (EC keys, RSA 3072/4096)", "$0.15 per 10,000",
            "same two sources (deploy.md: verify that EC P-256 is billed as an advanced key)"),
        ("How Flex Consumption bills execution time", "instance memory x time the instance is executing; concurrent executions on one instance share that time",
            "https://learn.microsoft.com/azure/azure-functions/functions-consumption-costs"),
    ];

    public static double KeyVaultPerOperation(string algorithm) =>
        (algorithm == "ES256" ? KeyVaultEcPer10K : KeyVaultRsa2048Per10K) / 10_000;
}
