using System.Runtime.InteropServices;

namespace FeatureInversion.Oracle;

/// <summary>
/// Thin calls into VLFeat 0.9.21's C API (libvl.so.1), mirroring how <c>vl_hog</c>, <c>vl_lbp</c> and
/// <c>vl_sift</c> drive it, with images in row-major order (the C API's non-transposed convention).
/// </summary>
public static unsafe partial class VlFeat
{
    private const string Library = "libvl.so.1";

    /// <summary>True when libvl.so.1 can be loaded on this machine.</summary>
    public static bool IsAvailable
    {
        get
        {
            if (!NativeLibrary.TryLoad(Library, out var handle))
                return false;
            NativeLibrary.Free(handle);
            return true;
        }
    }

    // ---- HOG (vl/hog.h) ---------------------------------------------------------------------------------
    private const int VlHogVariantUoctti = 1;

    [LibraryImport(Library)]
    private static partial IntPtr vl_hog_new(int variant, ulong numOrientations, int transposed);

    [LibraryImport(Library)]
    private static partial void vl_hog_delete(IntPtr self);

    [LibraryImport(Library)]
    private static partial void vl_hog_put_image(
        IntPtr self,
        float* image,
        ulong width,
        ulong height,
        ulong numChannels,
        ulong cellSize
    );

    [LibraryImport(Library)]
    private static partial void vl_hog_extract(IntPtr self, float* features);

    [LibraryImport(Library)]
    private static partial ulong vl_hog_get_width(IntPtr self);

    [LibraryImport(Library)]
    private static partial ulong vl_hog_get_height(IntPtr self);

    [LibraryImport(Library)]
    private static partial ulong vl_hog_get_dimension(IntPtr self);

    /// <summary>UoCTTI HOG with 9 orientations; returns (features[dim × rows × cols], dim, rows, cols).</summary>
    public static (float[] Features, int Dimension, int Rows, int Cols) Hog(
        float[] image,
        int width,
        int height,
        int cellSize
    )
    {
        var hog = vl_hog_new(VlHogVariantUoctti, 9, 0);
        try
        {
            fixed (float* im = image)
                vl_hog_put_image(hog, im, (ulong)width, (ulong)height, 1, (ulong)cellSize);
            int cols = (int)vl_hog_get_width(hog),
                rows = (int)vl_hog_get_height(hog),
                dim = (int)vl_hog_get_dimension(hog);
            var features = new float[dim * rows * cols];
            fixed (float* f = features)
                vl_hog_extract(hog, f);
            return (features, dim, rows, cols);
        }
        finally
        {
            vl_hog_delete(hog);
        }
    }

    /// <summary>A reusable HOG object for timing (put image + extract into a caller buffer).</summary>
    public sealed class HogRunner : IDisposable
    {
        private readonly IntPtr _hog = vl_hog_new(VlHogVariantUoctti, 9, 0);
        private float[] _out = [];

        public void Run(float[] image, int width, int height, int cellSize)
        {
            fixed (float* im = image)
                vl_hog_put_image(_hog, im, (ulong)width, (ulong)height, 1, (ulong)cellSize);
            int n = (int)(vl_hog_get_width(_hog) * vl_hog_get_height(_hog) * vl_hog_get_dimension(_hog));
            if (_out.Length != n)
                _out = new float[n];
            fixed (float* f = _out)
                vl_hog_extract(_hog, f);
        }

        public void Dispose() => vl_hog_delete(_hog);
    }

    // ---- LBP (vl/lbp.h) ---------------------------------------------------------------------------------
    private const int VlLbpUniform = 0;

    [LibraryImport(Library)]
    private static partial IntPtr vl_lbp_new(int type, int transposed);

    [LibraryImport(Library)]
    private static partial void vl_lbp_delete(IntPtr self);

    [LibraryImport(Library)]
    private static partial ulong vl_lbp_get_dimension(IntPtr self);

    [LibraryImport(Library)]
    private static partial void vl_lbp_process(
        IntPtr self,
        float* features,
        float* image,
        ulong width,
        ulong height,
        ulong cellSize
    );

    /// <summary>Uniform LBP; returns (features[58 × rows × cols], rows, cols). vl_lbp_process accumulates, so the
    /// buffer starts zeroed.</summary>
    public static (float[] Features, int Rows, int Cols) Lbp(float[] image, int width, int height, int cellSize)
    {
        var lbp = vl_lbp_new(VlLbpUniform, 0);
        try
        {
            int rows = height / cellSize,
                cols = width / cellSize,
                dim = (int)vl_lbp_get_dimension(lbp);
            var features = new float[dim * rows * cols];
            fixed (float* f = features)
            fixed (float* im = image)
            {
                vl_lbp_process(lbp, f, im, (ulong)width, (ulong)height, (ulong)cellSize);
            }
            return (features, rows, cols);
        }
        finally
        {
            vl_lbp_delete(lbp);
        }
    }

    /// <summary>A reusable LBP object for timing.</summary>
    public sealed class LbpRunner : IDisposable
    {
        private readonly IntPtr _lbp = vl_lbp_new(VlLbpUniform, 0);
        private float[] _out = [];

        public void Run(float[] image, int width, int height, int cellSize)
        {
            int n = 58 * (height / cellSize) * (width / cellSize);
            if (_out.Length != n)
                _out = new float[n];
            else
                Array.Clear(_out);
            fixed (float* f = _out)
            fixed (float* im = image)
            {
                vl_lbp_process(_lbp, f, im, (ulong)width, (ulong)height, (ulong)cellSize);
            }
        }

        public void Dispose() => vl_lbp_delete(_lbp);
    }

    // ---- SIFT (vl/sift.h) -------------------------------------------------------------------------------
    private const int VlErrOk = 0;

    [StructLayout(LayoutKind.Sequential)]
    private struct VlSiftKeypoint
    {
        public int O,
            Ix,
            Iy,
            Is;
        public float X,
            Y,
            S,
            Sigma;
    }

    /// <summary>Leading fields of VlSiftFilt (vl/sift.h, 0.9.21) up to the keypoint buffer; the accessors are inline in
    /// C.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct VlSiftFiltHead
    {
        public double Sigman,
            Sigma0,
            Sigmak,
            Dsigma0;
        public int Width,
            Height,
            O,
            S,
            OMin,
            SMin,
            SMax,
            OCur;
        public IntPtr Temp,
            Octave,
            Dog;
        public int OctaveWidth,
            OctaveHeight;
        public IntPtr GaussFilter;
        public double GaussFilterSigma;
        public ulong GaussFilterWidth;
        public VlSiftKeypoint* Keys;
        public int NKeys,
            KeysRes;
    }

    [LibraryImport(Library)]
    private static partial IntPtr vl_sift_new(int width, int height, int noctaves, int nlevels, int oMin);

    [LibraryImport(Library)]
    private static partial void vl_sift_delete(IntPtr f);

    [LibraryImport(Library)]
    private static partial int vl_sift_process_first_octave(IntPtr f, float* im);

    [LibraryImport(Library)]
    private static partial int vl_sift_process_next_octave(IntPtr f);

    [LibraryImport(Library)]
    private static partial void vl_sift_detect(IntPtr f);

    [LibraryImport(Library)]
    private static partial int vl_sift_calc_keypoint_orientations(IntPtr f, double* angles, VlSiftKeypoint* k);

    [LibraryImport(Library)]
    private static partial void vl_sift_calc_keypoint_descriptor(
        IntPtr f,
        float* descr,
        VlSiftKeypoint* k,
        double angle
    );

    /// <summary>One oriented SIFT frame from the C API: position in pixels (row-major image, y down), scale σ, angle in
    /// radians.</summary>
    public readonly record struct SiftFrame(float X, float Y, float Sigma, float Angle, float[] Descriptor);

    /// <summary>
    /// Runs the detector and descriptor as <c>vl_sift</c> does with first octave 0 (unless given), 3 levels, automatic
    /// octave count and default thresholds: per octave detect, then every orientation of every keypoint described.
    /// </summary>
    public static List<SiftFrame> Sift(float[] image, int width, int height, bool describe = true, int firstOctave = 0)
    {
        var frames = new List<SiftFrame>();
        var filter = vl_sift_new(width, height, -1, 3, firstOctave);
        try
        {
            var head = (VlSiftFiltHead*)filter;
            double* angles = stackalloc double[4];
            bool first = true;
            while (true)
            {
                int err;
                if (first)
                {
                    fixed (float* im = image)
                        err = vl_sift_process_first_octave(filter, im);
                    first = false;
                }
                else
                {
                    err = vl_sift_process_next_octave(filter);
                }
                if (err != VlErrOk)
                    break;

                vl_sift_detect(filter);
                for (int i = 0; i < head->NKeys; i++)
                {
                    var k = head->Keys + i;
                    int n = vl_sift_calc_keypoint_orientations(filter, angles, k);
                    for (int a = 0; a < n; a++)
                    {
                        var descriptor = new float[128];
                        if (describe)
                        {
                            fixed (float* d = descriptor)
                                vl_sift_calc_keypoint_descriptor(filter, d, k, angles[a]);
                        }
                        frames.Add(new SiftFrame(k->X, k->Y, k->Sigma, (float)angles[a], descriptor));
                    }
                }
            }
        }
        finally
        {
            vl_sift_delete(filter);
        }
        return frames;
    }
}
