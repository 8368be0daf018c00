namespace QwenMesh.Mesh.Tests;

/// <summary>The checkout the tests run from: deploy/ and k8s/ files are read where they are, never copied.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = Find();

    public static string Deploy => Path.Combine(Root, "deploy");

    static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "QwenMesh.sln"))) return dir.FullName;
        throw new InvalidOperationException("QwenMesh.sln not found above " + AppContext.BaseDirectory);
    }
}
