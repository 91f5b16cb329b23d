namespace FeatureInversion.Reconstruction;

/// <summary>
/// What the worker's health endpoint reports (the container's startup, liveness and readiness probes): ready once
/// its consumer loops run; not live once one of them has ended before shutdown (the host is stopping then too).
/// </summary>
public sealed class WorkerHealth
{
    public enum State
    {
        Starting,
        Running,
        Stopping,
        Failed,
    }

    private volatile State _state = State.Starting;
    private string _detail = "starting";

    public State Current => _state;
    public string Detail => Volatile.Read(ref _detail);
    public bool IsLive => _state != State.Failed;
    public bool IsReady => _state == State.Running;

    public void Set(State state, string detail)
    {
        Volatile.Write(ref _detail, detail);
        _state = state;
    }
}
