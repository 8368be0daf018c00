using QwenMesh.ExpertWorker;
using QwenMesh.ServiceDefaults;

return await ServiceRunner.RunAsync(ExpertWorkerHost.Role, () => ExpertWorkerHost.Build(args));
