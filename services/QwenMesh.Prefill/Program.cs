using QwenMesh.Prefill;

await PrefillHost.Build(args).RunAsync();
