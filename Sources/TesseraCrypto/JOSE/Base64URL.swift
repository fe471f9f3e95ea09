import Foundation

/// Unpadded base64url (RFC 4648 §5), strict on decode.
public enum Base64URL {
    public static func encode(_ data: some DataProtocol) -> String {
        var string = Data(data).base64EncodedString()
        string = string.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        while string.hasSuffix("=") { string.removeLast() }
        return string
    }

    /// Decodes unpadded base64url; `nil` on any character outside the alphabet or on padding.
    public static func decode(_ string: some StringProtocol) -> Data? {
        var base = ""
        base.reserveCapacity(string.utf8.count + 3)
        for scalar in string.unicodeScalars {
            switch scalar {
            case "A"..."Z", "a"..."z", "0"..."9": base.unicodeScalars.append(scalar)
            case "-": base.append("+")
            case "_": base.append("/")
            default: return nil
            }
        }
        switch base.utf8.count % 4 {
        case 0: break
        case 2: base += "=="
        case 3: base += "="
        default: return nil
        }
        return Data(base64Encoded: base)
    }
}
