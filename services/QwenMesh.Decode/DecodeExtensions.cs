using Grpc.Net.Client;
using QwenMesh.Decode.Admission;
using QwenMesh.Decode.Api;
using QwenMesh.Decode.Completions;
using QwenMesh.Decode.Ledger;
using QwenMesh.Decode.Prefill;
using QwenMesh.Decode.Tenancy;
using QwenMesh.Engine.Decode;
using QwenMesh.Engine.Prefill;
using QwenMesh.Hosting;
using QwenMesh.Model;
using QwenMesh.Text.Templates;
using QwenMesh.Text.Tokenization;
using QwenMesh.ServiceDefaults.Metrics;
using QwenMesh.ServiceDefaults.Options;
using QwenMesh.ServiceDefaults.Startup;

namespace QwenMesh.Decode;

/// <summary>The decode role's registrations: the model, the engine and its limits, prefill (remote or in process), identity, fair admission, the usage ledger, the API.</summary>
public static class DecodeExtensions
{
    public static IServiceCollection AddDecodeServices(this IServiceCollection services, ServingOptions options)
    {
        services.AddQwenMeshModel(options).AddQwenMeshStateStore(options);
        services.AddValidatedOptions<DecodeOptions>(DecodeOptions.Section, (o, c) =>
        {
            c.AtLeast(nameof(o.MaxBatch), o.MaxBatch, 1);
            c.AtLeast(nameof(o.MaxQueued), o.MaxQueued, 0);
            c.AtLeast(nameof(o.StateMemoryBytes), o.StateMemoryBytes, 1 << 20);
            c.AtLeast(nameof(o.DrainTimeoutSeconds), o.DrainTimeoutSeconds, 0);
            if (o.AdmissionSlots is { } slots) c.AtLeast(nameof(o.AdmissionSlots), slots, 1);
        });
        services.AddSingleton<TokenizerStartup>();
        services.AddSingleton<IStartupWork>(sp => sp.GetRequiredService<TokenizerStartup>());
        services.AddSingleton<ITokenizer>(sp => sp.GetRequiredService<TokenizerStartup>().Tokenizer);
        services.AddSingleton<ServedTemplate>(sp => new ServedTemplate(sp.GetRequiredService<TokenizerStartup>().ChatTemplate));
        services.AddSingleton<ServedModel>();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<DecodeLoadTelemetry>();
        services.AddSingleton(sp =>
        {
            var telemetry = sp.GetRequiredService<DecodeLoadTelemetry>();
            var engine = new DecodeEngine(sp.GetRequiredService<QwenModel>(), sp.GetRequiredService<Engine.ModelGate>(), sp.GetRequiredService<DecodeOptions>(), telemetry);
            telemetry.Watch(engine);
            return engine;
        });
        services.AddSingleton<DrainGate>();
        services.AddSingleton<MeshIdentity>();
        services.AddSingleton<IdentityVerification>();
        services.AddSingleton<UsageLedger>();
        services.AddSingleton<UsageRecording>();
        services.AddSingleton<UsageEndpoint>();
        services.AddSingleton(sp =>
        {
            var admission = new FairAdmission(sp.GetRequiredService<DecodeOptions>());
            sp.GetRequiredService<DecodeLoadTelemetry>().Watch(admission);
            return admission;
        });
        if (string.IsNullOrWhiteSpace(options.PrefillUrls)) services.AddQwenMeshPrefill();
        services.AddSingleton<IPrefillClient>(sp => PrefillClient(sp, options));
        services.AddSingleton<CompletionRunner>();
        services.AddSingleton<GenerationPump>();
        services.AddSingleton<ChatCompletionsEndpoint>();
        services.AddSingleton<ResponsesEndpoint>();
        services.AddSingleton<CompletionsEndpoint>();
        services.AddSingleton<OpenAiErrors>();
        return services;
    }

    static IPrefillClient PrefillClient(IServiceProvider services, ServingOptions options)
    {
        string[] urls = (options.PrefillUrls ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (urls.Length == 0) return new LocalPrefillClient(services.GetRequiredService<PrefillQueue>(), ServiceDefaults.PodName.Of(services.GetRequiredService<IConfiguration>()));
        var credential = services.GetRequiredService<MeshCredential>();
        var pool = urls.Select(u => new Contracts.V1.Prefill.PrefillClient(credential.Invoker(MeshChannels.For(u)))).ToList();
        // Without a shared store (Redis) each state comes back in the prefill reply: prefill never calls into decode.
        return new GrpcPrefillClient(pool, services.GetRequiredService<TimeProvider>(), services.GetRequiredService<Engine.State.StateCodec>(),
            services.GetRequiredService<Engine.State.StateLimits>(), deliverStates: string.IsNullOrEmpty(options.Redis));
    }

    /// <summary>
    /// Loads the tokenizer and the chat template the model folder ships: a broken template stops the start; a model
    /// without one (a base model) serves completions, and chat requests are told why not.
    /// </summary>
    sealed class TokenizerStartup(ServingOptions options) : IStartupWork
    {
        ITokenizer? _tokenizer;
        ChatTemplate? _chatTemplate;
        bool _loaded;

        public string Stage => "loading tokenizer";

        public ITokenizer Tokenizer => _tokenizer ?? throw new ServiceStartingException("the tokenizer is still loading");

        public ChatTemplate? ChatTemplate => _loaded ? _chatTemplate : throw new ServiceStartingException("the chat template is still loading");

        public Task RunAsync(CancellationToken cancellation) => Task.Run(() =>
        {
            _chatTemplate = ChatTemplate.Exists(options.Model) ? ChatTemplate.Load(options.Model) : null;
            _tokenizer = TokenizerLoader.Load(options.Model);
            _loaded = true;
        }, cancellation);
    }
}
