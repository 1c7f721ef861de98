namespace Serverless.Testing;

public static class RepositoryPaths
{
    /// <summary>The folder holding Serverless.sln, found by walking up from the test binaries.</summary>
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Serverless.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Cannot find Serverless.sln above " + AppContext.BaseDirectory);
    }
}
