using QwenMesh.LoadTest.Api;

namespace QwenMesh.LoadTest.Run;

/// <summary>
/// One simulated user. Without sessions every request is a fresh one-message chat. With sessions the user
/// keeps a conversation of up to the given number of turns under one x-session-id, sending the whole
/// history each time, as an OpenAI client does; a failed turn ends the conversation, since its reply is missing.
/// </summary>
public sealed class VirtualUser(WorkloadPlan plan, string sessionPrefix, int phase, bool sessions, int turnsPerSession)
{
    readonly List<ChatMessage> _history = [];
    int _turnsInSession;
    int _sessionsStarted;
    string? _sessionId;
    bool _sessionIsLong;

    public ChatTurn Next(int requestIndex)
    {
        if (!sessions)
        {
            (string text, bool isLong) = plan.FirstTurn(phase, requestIndex);
            return new ChatTurn([ChatMessage.User(text)], null, isLong);
        }
        if (_history.Count == 0 || _turnsInSession >= turnsPerSession) StartSession(requestIndex);
        else _history.Add(ChatMessage.User(plan.FollowUp(phase, requestIndex)));
        _turnsInSession++;
        return new ChatTurn(_history.ToArray(), _sessionId, _sessionIsLong);
    }

    public void Record(RequestOutcome outcome)
    {
        if (!sessions) return;
        if (outcome.Succeeded) _history.Add(ChatMessage.Assistant(outcome.ReplyText ?? ""));
        else _history.Clear();
    }

    void StartSession(int requestIndex)
    {
        _history.Clear();
        _turnsInSession = 0;
        _sessionId = $"{sessionPrefix}-s{_sessionsStarted++}";
        (string text, bool isLong) = plan.FirstTurn(phase, requestIndex);
        _sessionIsLong = isLong;
        _history.Add(ChatMessage.User(text));
    }
}
