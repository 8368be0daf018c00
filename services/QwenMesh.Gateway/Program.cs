using QwenMesh.Gateway;
using QwenMesh.ServiceDefaults;

return await ServiceRunner.RunAsync(GatewayHost.Role, () => GatewayHost.Build(args));
