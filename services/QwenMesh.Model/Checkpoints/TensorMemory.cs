using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace QwenMesh.Model.Checkpoints;

/// <summary>
/// The address of a CPU tensor's data. TorchSharp's own byte span is limited to 2 GiB, and a fused expert
/// tensor of a real checkpoint is larger, so reads and writes go through the raw pointer instead.
/// </summary>
internal static partial class TensorMemory
{
    [LibraryImport("LibTorchSharp", EntryPoint = "THSTensor_data")]
    private static partial IntPtr TensorData(IntPtr handle);

    public static IntPtr Pointer(Tensor t)
    {
        if (t.device_type != TorchSharp.DeviceType.CPU || !t.is_contiguous())
            throw new ArgumentException("raw access needs a contiguous CPU tensor");
        return TensorData(t.Handle);
    }
}
