namespace QwenMesh.ServiceDefaults.Startup;

/// <summary>A request reached something that start-up has not finished (the model is loading): a 503 or Unavailable, not a 500.</summary>
public sealed class ServiceStartingException(string message) : Exception(message);
