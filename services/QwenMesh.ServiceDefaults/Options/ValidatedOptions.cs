using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace QwenMesh.ServiceDefaults.Options;

/// <summary>
/// Options bound from one configuration section and checked when the host starts (<c>ValidateOnStart</c>): a bad value
/// stops the process before it serves, with the failures of <see cref="OptionChecks"/>.
/// </summary>
public static class ValidatedOptions
{
    public static IServiceCollection AddValidatedOptions<T>(this IServiceCollection services, string section, Action<T, OptionChecks> rules)
        where T : class
    {
        services.AddOptions<T>().Configure<IConfiguration>((options, configuration) => BindSection(configuration, section, options)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<T>>(new RuleValidator<T>(section, rules));
        // Consumers take the value itself: options are fixed for the life of the process.
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<T>>().Value);
        return services;
    }

    /// <summary>Binds and checks a section now, for settings needed before the host is built (ports, the model folder).</summary>
    public static T Bind<T>(IConfiguration configuration, string section, Action<T, OptionChecks> rules) where T : class, new()
    {
        var value = new T();
        BindSection(configuration, section, value);
        var checks = new OptionChecks(section);
        rules(value, checks);
        if (checks.Failures.Count > 0) throw new OptionsValidationException(section, typeof(T), checks.Failures);
        return value;
    }

    /// <summary>A value the binder cannot convert is a validation failure too (its message names the key and the value).</summary>
    static void BindSection<T>(IConfiguration configuration, string section, T options) where T : class
    {
        try
        {
            configuration.GetSection(section).Bind(options);
        }
        catch (InvalidOperationException e)
        {
            throw new OptionsValidationException(section, typeof(T), [e.Message]);
        }
    }

    sealed class RuleValidator<T>(string section, Action<T, OptionChecks> rules) : IValidateOptions<T> where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            var checks = new OptionChecks(section);
            rules(options, checks);
            return checks.Failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(checks.Failures);
        }
    }
}
