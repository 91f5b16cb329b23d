using System.Buffers.Binary;
using FeatureInversion.Features.Sift;
using Microsoft.Data.Sqlite;

namespace FeatureInversion.Features.Sources;

/// <summary>
/// A COLMAP database (<c>database.db</c>, COLMAP 3.x schema, src/colmap/scene/database.cc): the <c>cameras</c> table
/// gives each image's size; <c>keypoints</c> holds, per image, rows × cols float32 (little-endian) with cols 2 (x, y),
/// 4 (x, y, scale, orientation) or 6 (x, y, a11, a12, a21, a22, COLMAP's default); <c>descriptors</c> rows × 128 uint8.
/// <para>
/// Conventions mapped onto VLFeat's (measured on COLMAP 3.8's CPU extraction against this project's VLFeat-exact
/// SIFT, docs/features.md): COLMAP puts pixel centres at +½ (x − 0.5 here); scale is the mean length of the affine
/// shape's columns and orientation atan2(a21, a11), in VLFeat's sense (clockwise on screen); 2-column keypoints get
/// scale 1 and orientation 0, as COLMAP's own FeatureKeypoint(x, y) does. Descriptors: <see
/// cref="DescriptorConventions.FromColmap"/>.
/// </para>
/// The file is opened read-only with SQLite's defences for untrusted databases; every number is checked before use
/// and an image whose rows are malformed is refused on its own.
/// </summary>
public static class ColmapDatabase
{
    public const string SourceName = "COLMAP database";

    /// <summary>Whether a file starts as SQLite databases do.</summary>
    public static bool LooksLikeOne(ReadOnlySpan<byte> head) => head.StartsWith("SQLite format 3\0"u8);

    public static DescriptorFile Read(string path, DescriptorLimits? limits = null)
    {
        limits ??= DescriptorLimits.Default;
        string file = Path.GetFileName(path);
        Span<byte> head = stackalloc byte[16];
        using (var stream = File.OpenRead(path))
        {
            if (stream.ReadAtLeast(head, 16, throwOnEndOfStream: false) < 16 || !LooksLikeOne(head))
                throw new InvalidDataException($"{file}: not a SQLite database (a COLMAP database is one).");
        }
        // immutable=1: no locks, no -shm or -wal files written beside someone else's database (COLMAP leaves its
        // databases in WAL mode; a read-only connection would otherwise create them).
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = new Uri(Path.GetFullPath(path)).AbsoluteUri + "?immutable=1",
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
        };
        using var connection = new SqliteConnection(builder.ToString());
        try
        {
            connection.Open();
            Execute(connection, "PRAGMA trusted_schema = OFF; PRAGMA cell_size_check = ON; PRAGMA mmap_size = 0;");
            foreach (var table in new[] { "cameras", "images", "keypoints", "descriptors" })
            {
                using var exists = connection.CreateCommand();
                exists.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = $name";
                exists.Parameters.AddWithValue("$name", table);
                if ((long)exists.ExecuteScalar()! == 0)
                    throw new InvalidDataException($"{file}: no '{table}' table: not a COLMAP database.");
            }
            return ReadImages(connection, file, limits);
        }
        catch (SqliteException e)
        {
            throw new InvalidDataException($"{file}: SQLite cannot read it ({e.Message.TrimEnd('.')}).", e);
        }
    }

    private static DescriptorFile ReadImages(SqliteConnection connection, string file, DescriptorLimits limits)
    {
        var images = new List<KeypointSet>();
        var refused = new List<RefusedImage>();
        using var query = connection.CreateCommand();
        query.CommandText = """
            SELECT images.image_id, images.name, cameras.width, cameras.height
            FROM images LEFT JOIN cameras ON cameras.camera_id = images.camera_id
            ORDER BY images.image_id
            """;
        using var reader = query.ExecuteReader();
        int count = 0;
        while (reader.Read())
        {
            if (++count > limits.MaxImages)
                throw new InvalidDataException($"{file}: more than {limits.MaxImages} images.");
            long id = reader.GetInt64(0);
            string name = reader.IsDBNull(1) ? $"image {id}" : reader.GetValue(1).ToString() ?? $"image {id}";
            try
            {
                if (reader.IsDBNull(2) || reader.IsDBNull(3))
                    throw new InvalidDataException("its camera is missing, so its size is unknown");
                long width = reader.GetInt64(2),
                    height = reader.GetInt64(3);
                if (width < 1 || height < 1 || width > limits.MaxSide || height > limits.MaxSide)
                    throw new InvalidDataException($"its camera states a size of {width}x{height}");
                images.Add(ReadImage(connection, id, name, (int)width, (int)height, limits));
            }
            catch (InvalidDataException e)
            {
                refused.Add(new RefusedImage(name, e.Message));
            }
            catch (SqliteException e)
            {
                refused.Add(new RefusedImage(name, $"SQLite cannot read its rows ({e.Message.TrimEnd('.')})"));
            }
        }
        if (count == 0)
            throw new InvalidDataException($"{file}: the database holds no images.");
        return new DescriptorFile(SourceName, images, refused);
    }

    private static KeypointSet ReadImage(
        SqliteConnection connection,
        long id,
        string name,
        int width,
        int height,
        DescriptorLimits limits
    )
    {
        var (rows, cols, keypoints) = Blob(connection, "keypoints", id, limits, c =>
            c is 2 or 4 or 6 ? null : $"its keypoints have {c} columns (COLMAP writes 2, 4 or 6)"
        ) ?? throw new InvalidDataException("it has no keypoints");
        if (keypoints.Length != 4L * rows * cols)
            throw new InvalidDataException(
                $"its keypoint data is {keypoints.Length} bytes, {rows} × {cols} float32 need {4L * rows * cols}"
            );
        var (descriptorRows, descriptorCols, descriptors) = Blob(connection, "descriptors", id, limits, c =>
            c == DescriptorConventions.Length ? null : $"its descriptors have {c} values each (SIFT has 128)"
        ) ?? throw new InvalidDataException("it has no descriptors");
        if (descriptorRows != rows)
            throw new InvalidDataException($"it has {rows} keypoints but {descriptorRows} descriptors");
        if (descriptors.Length != (long)rows * descriptorCols)
            throw new InvalidDataException(
                $"its descriptor data is {descriptors.Length} bytes, {rows} × 128 uint8 need {rows * 128L}"
            );

        var frames = new List<SiftFeature>(rows);
        for (int i = 0; i < rows; i++)
        {
            int row = 4 * cols * i;
            float F(int c) => BinaryPrimitives.ReadSingleLittleEndian(keypoints.AsSpan(row + 4 * c, 4));
            float x = F(0),
                y = F(1);
            double scale = 1,
                angle = 0;
            if (cols == 4)
                (scale, angle) = (F(2), F(3));
            else if (cols == 6)
            {
                double a11 = F(2),
                    a12 = F(3),
                    a21 = F(4),
                    a22 = F(5);
                // COLMAP's ComputeScale
                scale = (Math.Sqrt(a11 * a11 + a21 * a21) + Math.Sqrt(a12 * a12 + a22 * a22)) / 2;
                angle = Math.Atan2(a21, a11); // COLMAP's ComputeOrientation
            }
            if (
                !float.IsFinite(x)
                || !float.IsFinite(y)
                || !double.IsFinite(scale)
                || !double.IsFinite(angle)
                || scale <= 0
            )
                throw new InvalidDataException($"keypoint {i} is not finite or has no positive scale");
            frames.Add(
                new SiftFeature(
                    x - 0.5f,
                    y - 0.5f,
                    (float)scale,
                    DescriptorConventions.WrapAngle(angle),
                    DescriptorConventions.FromColmap(
                        descriptors.AsSpan(DescriptorConventions.Length * i, DescriptorConventions.Length)
                    )
                )
            );
        }
        var notes = new List<string>
        {
            "descriptors: COLMAP uint8 (L1-root, UBC order) converted to VLFeat's L2 order",
        };
        if (cols == 2)
            notes.Add(
                "keypoints hold no scale or orientation (2 columns): scale 1 and orientation 0 assumed, as COLMAP does"
            );
        return new KeypointSet(name, width, height, frames, SourceName, notes);
    }

    /// <summary>One image's rows × cols blob from a feature table, or null when the image has no row there.</summary>
    private static (int Rows, int Cols, byte[] Data)? Blob(
        SqliteConnection connection,
        string table,
        long id,
        DescriptorLimits limits,
        Func<long, string?> columnProblem
    )
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT rows, cols, length(data), data FROM {table} WHERE image_id = $id";
        command.Parameters.AddWithValue("$id", id);
        using var reader = command.ExecuteReader();
        if (!reader.Read())
            return null;
        long rows = reader.GetInt64(0),
            cols = reader.GetInt64(1);
        if (rows < 0 || rows > limits.MaxKeypoints)
            throw new InvalidDataException(
                $"its {table} table states {rows} rows (at most {limits.MaxKeypoints} are read)"
            );
        if (columnProblem(cols) is { } problem)
            throw new InvalidDataException(problem);
        long length = reader.IsDBNull(2) ? 0 : reader.GetInt64(2);
        if (length > 4L * rows * cols)
            throw new InvalidDataException($"its {table} data is {length} bytes, more than {rows} × {cols} values");
        byte[] data = reader.IsDBNull(3) ? [] : (byte[])reader.GetValue(3);
        return ((int)rows, (int)cols, data);
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
