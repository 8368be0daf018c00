using QwenMesh.ExpertWorker;

await ExpertWorkerHost.Build(args).RunAsync();
