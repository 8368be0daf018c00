using QwenMesh.LoadTest;

// Ctrl+C cancels the run instead of killing it, so open requests are closed and the exit code says why.
using var interrupt = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    interrupt.Cancel();
};
return await LoadApp.RunAsync(args, Console.Out, Console.Error, interrupt.Token);
