package dev.caravan.routing;

import dev.caravan.core.ChatMessage;
import dev.caravan.core.ChatRequest;
import dev.caravan.core.ContentPart;
import dev.caravan.core.GatewayException;

import java.util.List;

/**
 * Which targets can take an image by its link (an {@code image_url} that is not a {@code data:} URL). OpenAI and
 * Anthropic fetch it themselves; Bedrock's Converse takes image bytes only, so a requested model served only there is
 * refused up front and Bedrock fallbacks are left out, rather than ending the chain at Bedrock's refusal when another
 * target could serve the request. Images in system messages count for nothing: no provider is sent them.
 */
final class ImageLinks {

    private ImageLinks() {
    }

    /**
     * Whether {@code request} links an image and one of its {@code candidates} cannot take that; the messages are read
     * only when a candidate is on Bedrock.
     */
    static boolean refusedByACandidate(ChatRequest request, List<List<WeightedTarget>> candidates) {
        return WeightedTarget.anyIn(candidates, target -> !honouredBy(target)) && requested(request);
    }

    private static boolean requested(ChatRequest request) {
        for (ChatMessage message : request.messages()) {
            if (message.isSystem()) {
                continue;
            }
            for (ContentPart part : message.content()) {
                if (!part.isText() && part.imageUrl() != null && !part.isInlineImage()) {
                    return true;
                }
            }
        }
        return false;
    }

    static boolean honouredBy(Target target) {
        return !"bedrock".equals(target.provider());
    }

    /** The 400 for a requested model none of whose deployments can take an image by its link. */
    static GatewayException unsupported(String model, Target target) {
        return GatewayException.invalidRequest("messages", "image links are not supported for model '" + model
                + "': it is served by " + target.name() + ", and Bedrock needs images inline. Send them as data: URLs "
                + "(base64), or use a model served elsewhere.");
    }
}
