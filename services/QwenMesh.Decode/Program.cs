using QwenMesh.Decode;

await DecodeHost.Build(args).RunAsync();
