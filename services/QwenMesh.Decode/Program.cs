using QwenMesh.Decode;
using QwenMesh.ServiceDefaults;

return await ServiceRunner.RunAsync(DecodeHost.Role, () => DecodeHost.Build(args));
