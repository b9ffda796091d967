package dev.plrd.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.CharBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/**
 * Reads the documents of a text file, each as one or more {@link Pieces} in order. Text must be UTF-8 (a byte
 * order mark is dropped); empty documents are skipped, as they would only add an end-of-sequence token.
 */
final class DocumentReader {
    private static final ObjectMapper JSON = JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    private static final char BYTE_ORDER_MARK = '\uFEFF';

    /** Receives the pieces, with how far into the file (in bytes) the reading is. */
    interface Sink {
        void piece(String text, boolean endOfDocument, long bytesRead) throws IOException, DataException;
    }

    private DocumentReader() {
    }

    /** Reads file, decoding it as it goes where it is compressed; bytesRead counts the bytes of the file as stored. */
    static void read(TextFile file, Sink sink) throws IOException, DataException {
        try (FileChannel channel = FileChannel.open(file.path(), StandardOpenOption.READ);
                InputStream decoded = DecodedInput.of(Channels.newInputStream(channel), Compression.of(file.path()));
                Reader reader = new InputStreamReader(decoded, StandardCharsets.UTF_8.newDecoder())) {
            try {
                switch (file.format()) {
                    case TEXT -> readText(file, reader, channel, sink);
                    case JSONL -> readLines(file, new BufferedReader(reader, 1 << 16), channel, sink);
                }
            } catch (DataException e) {
                // a corrupt compressed file yields garbage before the decoder reaches the checksum that exposes it;
                // telling the two apart costs a read of the rest of the file, on this failing path only
                DecodedInput.checkRest(decoded, e);
                throw e;
            }
        } catch (DecodedInput.Undecodable e) {
            throw new DataException(file.path() + ": " + e.getMessage(), e);
        }
    }

    /** The whole file is one document, read a piece at a time. */
    private static void readText(TextFile file, Reader reader, FileChannel channel, Sink sink)
            throws IOException, DataException {
        char[] buffer = new char[Pieces.MAX_CHARS];
        int length = 0;
        boolean first = true;
        boolean started = false;
        try {
            int n;
            while ((n = reader.read(buffer, length, buffer.length - length)) >= 0) {
                length += n;
                if (first && length > 0) {
                    first = false;
                    if (buffer[0] == BYTE_ORDER_MARK) {
                        System.arraycopy(buffer, 1, buffer, 0, --length);
                    }
                }
                if (length == buffer.length) {
                    int cut = Pieces.cut(CharBuffer.wrap(buffer), 0, length);
                    sink.piece(new String(buffer, 0, cut), false, channel.position());
                    started = true;
                    System.arraycopy(buffer, cut, buffer, 0, length - cut);
                    length -= cut;
                }
            }
        } catch (CharacterCodingException e) {
            throw new DataException(file.path() + ": not UTF-8 text (" + e.getMessage() + ")", e);
        }
        if (started || length > 0) {
            sink.piece(new String(buffer, 0, length), true, channel.position());
        }
    }

    /** One JSON object per line, its text under the file's field; blank lines are skipped. */
    private static void readLines(TextFile file, BufferedReader reader, FileChannel channel, Sink sink)
            throws IOException, DataException {
        long lineNumber = 0;
        String line;
        while ((line = nextLine(file, reader, lineNumber + 1)) != null) {
            lineNumber++;
            if (lineNumber == 1 && !line.isEmpty() && line.charAt(0) == BYTE_ORDER_MARK) {
                line = line.substring(1);
            }
            if (line.isBlank()) {
                continue;
            }
            String text = text(file, line, lineNumber);
            int from = 0;
            while (text.length() - from > Pieces.MAX_CHARS) {
                int cut = Pieces.cut(text, from, from + Pieces.MAX_CHARS);
                sink.piece(text.substring(from, cut), false, channel.position());
                from = cut;
            }
            if (!text.isEmpty()) {
                sink.piece(text.substring(from), true, channel.position());
            }
        }
    }

    private static String nextLine(TextFile file, BufferedReader reader, long lineNumber)
            throws IOException, DataException {
        try {
            return reader.readLine();
        } catch (CharacterCodingException e) {
            throw new DataException(file.path() + ":" + lineNumber + ": not UTF-8 text (" + e.getMessage() + ")", e);
        }
    }

    private static String text(TextFile file, String line, long lineNumber) throws DataException {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new DataException(file.path() + ":" + lineNumber + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (!node.isObject()) {
            throw new DataException(file.path() + ":" + lineNumber + ": expected a JSON object, got " + node.getNodeType()
                    .name().toLowerCase(Locale.ROOT));
        }
        JsonNode value = node.get(file.field());
        if (value == null) {
            throw new DataException(file.path() + ":" + lineNumber + ": no \"" + file.field() + "\" field");
        }
        if (!value.isTextual()) {
            throw new DataException(file.path() + ":" + lineNumber + ": \"" + file.field() + "\" is not a string");
        }
        return value.textValue();
    }
}
