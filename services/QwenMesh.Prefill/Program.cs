using QwenMesh.Prefill;
using QwenMesh.ServiceDefaults;

return await ServiceRunner.RunAsync(PrefillHost.Role, () => PrefillHost.Build(args));
