namespace QwenMesh.Engine.Experts;

/// <summary>What remote expert calls report (the service turns it into metrics).</summary>
public interface IExpertObserver
{
    /// <summary>One call to <paramref name="worker"/> carried <paramref name="routes"/> token-expert rows; <paramref name="failed"/> when it will be retried elsewhere.</summary>
    void Called(int worker, int routes, TimeSpan took, bool failed);
}
